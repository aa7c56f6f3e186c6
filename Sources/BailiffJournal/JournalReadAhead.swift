import CLinux
import Glibc
import Synchronization

/// Reads a journal on a thread of its own, ahead of its consumer, in batches of entries
/// that carry their cursors.
///
/// libsystemd costs about as much per entry as the filtering after it, so reading on one
/// core while the consumer filters on another nearly halves the time an entry takes. The
/// sd_journal handle lives on the reading thread for its whole life, as libsystemd requires.
///
/// The consumer (one thread, the one that made this object) takes batches with
/// `nextBatch(waiting:)` and hands them back with `recycle(_:)`; `wakeDescriptor` becomes
/// readable whenever a batch is ready or the reader has caught up with the journal, so an
/// event loop can poll it instead of the journal's own descriptor. At the end of the
/// journal the reader waits for it to change (new entries, rotation, vacuuming) and reads on.
///
/// Positioning (`seek...`, `setMatches`) stops the reading, drops every batch read ahead
/// and not yet taken, and runs on the reading thread; reading then goes on from the new place.
/// Batches the consumer still holds are its own to drop.
public final class JournalReadAhead {
    public let source: JournalSource
    public private(set) var matches: JournalMatchSet
    private let channel: ReadAheadChannel
    private var thread = pthread_t()
    private var threadStarted = false

    /// Entries per batch. Small batches are still in cache when the consumer reads them, and
    /// each one handed over costs both threads a lock and now and then a wake-up: in the
    /// replay benchmark 128 measured about 3% faster than 64 and as fast as 256, for 1 MB
    /// less peak memory than 256.
    public static let defaultBatchSize = 128
    /// Batches in flight: being filled, ready, and held by the consumer. Enough that neither
    /// thread waits for the other when one of them slows for a moment (a burst of bans, a
    /// release of journal pages): with 4 the two threads took turns waiting, and the replay
    /// benchmark ran about a tenth slower. 16 batches of 128 entries are under a megabyte.
    public static let defaultDepth = 16

    /// Opens `source` on a new thread and starts reading at the head of the journal.
    public init(
        source: JournalSource, matches: JournalMatchSet = JournalMatchSet(), batchSize: Int = defaultBatchSize,
        depth: Int = defaultDepth
    ) throws(JournalError) {
        self.source = source
        self.matches = matches
        channel = try ReadAheadChannel(batchSize: max(1, batchSize), depth: max(2, depth))
        let reading = ReadAheadThreadBody(channel: channel, source: source, matches: matches)
        let context = Unmanaged.passRetained(reading).toOpaque()
        let created = pthread_create(&thread, nil, { context in
            Unmanaged<ReadAheadThreadBody>.fromOpaque(context!).takeRetainedValue().run()
            return nil
        }, context)
        guard created == 0 else {
            Unmanaged<ReadAheadThreadBody>.fromOpaque(context).release()
            throw JournalError.failed(action: "starting the journal reading thread", errno: created)
        }
        threadStarted = true
        // Opening happens on the reading thread; its outcome is the first reply (on failure
        // the thread has ended, and deinit joins it).
        try channel.awaitReply()
    }

    deinit {
        guard threadStarted else { return }
        channel.state.withLock { $0.stopping = true }
        channel.wakeReader()
        pthread_join(thread, nil)
    }

    /// Readable when a batch is ready, the reader caught up with the journal, or reading failed.
    public var wakeDescriptor: Int32 { channel.readyEvent }

    /// CPU time the reading thread has used so far, in seconds (nil when the system cannot
    /// tell): with the consumer's own, it shows which of the two threads limits a long read.
    public var readingThreadCPUSeconds: Double? {
        guard threadStarted else { return nil }
        var clock = clockid_t()
        var time = timespec()
        guard pthread_getcpuclockid(thread, &clock) == 0, clock_gettime(clock, &time) == 0 else { return nil }
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }

    // MARK: - Positioning

    /// Runs `body` with the reader on the reading thread, once read-ahead batches are dropped.
    public func perform<Result: Sendable>(
        _ body: @escaping @Sendable (JournalReader) throws(JournalError) -> Result
    ) throws(JournalError) -> Result {
        let outcome = ReadAheadOutcome<Result>()
        channel.state.withLock { state in
            state.command = { reader in
                let result: Swift.Result<Result, JournalError>
                do throws(JournalError) {
                    result = .success(try body(reader))
                } catch {
                    result = .failure(error)
                }
                outcome.value.withLock { $0 = result }
            }
        }
        channel.wakeReader()
        try channel.awaitReply()
        guard let result = outcome.value.withLock({ $0 }) else {
            throw JournalError.failed(action: "waiting for the journal reading thread", errno: EIO)
        }
        return try result.get()
    }

    public func seekHead() throws(JournalError) {
        try perform { reader throws(JournalError) in try reader.seekHead() }
    }

    public func seekTail() throws(JournalError) {
        try perform { reader throws(JournalError) in try reader.seekTail() }
    }

    public func seek(time: Double) throws(JournalError) {
        try perform { reader throws(JournalError) in try reader.seek(time: time) }
    }

    public func seek(cursor: String) throws(JournalError) -> JournalReader.CursorSeekResult {
        try perform { reader throws(JournalError) in try reader.seek(cursor: cursor) }
    }

    /// Replaces the matches; reading goes on after the last entry read (seek to start elsewhere).
    public func setMatches(_ newMatches: JournalMatchSet) throws(JournalError) {
        try perform { reader throws(JournalError) in try reader.setMatches(newMatches) }
        matches = newMatches
    }

    // MARK: - Taking entries

    /// The next batch read ahead, in journal order.
    ///
    /// - Parameter waiting: when no batch is ready, wait until the reader has read one or has
    ///   looked at the journal once more and found nothing new (then nil): "everything the
    ///   journal holds now". Without waiting, nil means no batch is ready yet.
    /// - Throws: the error that stopped reading; reading is tried again when the journal changes.
    public func nextBatch(waiting: Bool) throws(JournalError) -> JournalBatch? {
        var look: UInt64?
        var drained = false
        while true {
            enum Step { case batch(JournalBatch), failure(JournalError), nothing, wait }
            let step: Step = channel.state.withLock { state in
                if !state.ready.isEmpty { return .batch(state.ready.removeFirst()) }
                if let failure = state.failure {
                    state.failure = nil
                    return .failure(failure)
                }
                state.consumerIdle = true
                guard waiting else { return .nothing }
                if let look {
                    return state.looksDone >= look ? .nothing : .wait
                }
                guard state.atEnd else { return .wait }
                // Caught up earlier: have the reader look once more.
                state.looksRequested += 1
                look = state.looksRequested
                return .wait
            }
            switch step {
            case .batch(let batch): return batch
            case .failure(let error): throw error
            case .nothing, .wait:
                // Drained only when nothing is ready, then looked at once more, so a signal
                // sent meanwhile is not lost and a ready batch costs no system call.
                if !drained {
                    channel.drainReady()
                    drained = true
                    continue
                }
                if case .nothing = step { return nil }
                if look != nil { channel.wakeReader() }
                channel.waitForReady()
                drained = false
            }
        }
    }

    /// Hands a batch back for the reader to fill again.
    public func recycle(_ batch: consuming JournalBatch) {
        // Moved, never copied, so the reader finds its buffers unshared and reuses them.
        var returned: JournalBatch? = consume batch
        let readerWaits = channel.state.withLock { state in
            state.spare.append(returned.take()!)
            return state.readerWaiting
        }
        if readerWaits { channel.wakeReader() }
    }
}

@available(*, unavailable, message: "a read-ahead has one consumer thread")
extension JournalReadAhead: Sendable {}

/// The result of a command run on the reading thread.
private final class ReadAheadOutcome<Value: Sendable>: Sendable {
    let value = Mutex<Result<Value, JournalError>?>(nil)
}
