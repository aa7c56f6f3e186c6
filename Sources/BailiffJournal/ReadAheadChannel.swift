import CLinux
import Glibc
import Synchronization

/// What the reading thread and the consumer share: the batches, the pending command, and
/// the eventfds each side waits on.
final class ReadAheadChannel: Sendable {
    struct State: Sendable {
        var ready: [JournalBatch] = []
        var spare: [JournalBatch] = []
        /// Batches made so far; at most `depth`.
        var batchesMade = 0
        var command: (@Sendable (JournalReader) -> Void)?
        /// Set by the reading thread with the outcome of opening or of a command.
        var reply: Result<Void, JournalError>?
        var stopping = false
        /// The last read found no entry after the ones read.
        var atEnd = false
        /// The error that stopped reading, until the consumer takes it.
        var failure: JournalError?
        /// Requests to look at the journal once more, and how many the reader answered.
        var looksRequested: UInt64 = 0
        var looksDone: UInt64 = 0
        /// The reader found nothing to do and waits for `readerEvent`: a returned batch must wake it.
        var readerWaiting = false
        /// The consumer found nothing ready since the last signal, so it may be asleep on
        /// `readyEvent`: the next batch, end or failure must signal it. A consumer busy with
        /// batches is not woken for every one.
        var consumerIdle = true
    }

    let state = Mutex(State())
    let batchSize: Int
    let depth: Int
    /// Written by the reader for the consumer: a batch is ready, the end was reached, or reading failed.
    let readyEvent: Int32
    /// Written by the reader when a reply is set.
    let replyEvent: Int32
    /// Written by the consumer for the reader: a command, a returned batch, a look request, stop.
    let readerEvent: Int32

    init(batchSize: Int, depth: Int) throws(JournalError) {
        self.batchSize = batchSize
        self.depth = depth
        var made: [Int32] = []
        for _ in 0..<3 {
            let descriptor = eventfd(0, Int32(EFD_NONBLOCK | EFD_CLOEXEC))
            guard descriptor >= 0 else {
                let code = errno
                for made in made { close(made) }
                throw JournalError.failed(action: "creating an eventfd for the journal reading thread", errno: code)
            }
            made.append(descriptor)
        }
        readyEvent = made[0]
        replyEvent = made[1]
        readerEvent = made[2]
    }

    deinit {
        close(readyEvent)
        close(replyEvent)
        close(readerEvent)
    }

    func wakeReader() { Self.signal(readerEvent) }
    func signalReady() { Self.signal(readyEvent) }

    func setReply(_ reply: Result<Void, JournalError>) {
        state.withLock { $0.reply = reply }
        Self.signal(replyEvent)
    }

    /// Waits for the reading thread's reply to opening or to a command.
    func awaitReply() throws(JournalError) {
        while true {
            Self.drain(replyEvent)
            if let reply = state.withLock({ state in defer { state.reply = nil }; return state.reply }) {
                try reply.get()
                return
            }
            Self.wait(for: replyEvent)
        }
    }

    func drainReady() { Self.drain(readyEvent) }
    func waitForReady() { Self.wait(for: readyEvent) }

    static func signal(_ descriptor: Int32) {
        var one: UInt64 = 1
        _ = write(descriptor, &one, MemoryLayout<UInt64>.size)
    }

    static func drain(_ descriptor: Int32) {
        var count: UInt64 = 0
        _ = read(descriptor, &count, MemoryLayout<UInt64>.size)
    }

    static func wait(for descriptor: Int32) {
        var watched = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        _ = poll(&watched, 1, -1)
    }
}
