import BailiffEngine
import BailiffJournal
import Glibc

/// Drives a `JournalPipeline` from the event loop: the pipeline's reading thread follows the
/// journal and wakes the loop through `wakeDescriptor` when entries are read; they are
/// processed in bounded batches (so control requests and timers get their turn under a
/// flood), and the cursor is saved at most every `commitInterval` seconds while entries
/// flow, and on `flush()`.
final class JournalFeed {
    let pipeline: JournalPipeline
    private let loop: EventLoop
    private let decide: (JailDecision) -> Void
    private let afterBatch: () -> Void
    private let mayCommit: () -> Bool
    private let report: (String) -> Void
    private var watch: EventLoop.WatchID?
    /// Entries may be waiting (the reading thread signalled, or the last batch stopped at
    /// its limit), so the loop must not sleep.
    private var moreWaiting = true
    private var commitTimer: EventLoop.TimerID?

    static let batchSize = 2048
    static let commitInterval = 0.3

    /// - Parameters:
    ///   - decide: receives each ban decision as its entry is processed.
    ///   - afterBatch: runs after each batch, before the cursor past it can be saved.
    ///   - mayCommit: false while the cursor must stay where it is; saving waits.
    init(
        pipeline: JournalPipeline, loop: EventLoop, decide: @escaping (JailDecision) -> Void, afterBatch: @escaping () -> Void,
        mayCommit: @escaping () -> Bool = { true }, report: @escaping (String) -> Void
    ) {
        self.pipeline = pipeline
        self.loop = loop
        self.decide = decide
        self.afterBatch = afterBatch
        self.mayCommit = mayCommit
        self.report = report
    }

    func attach() {
        watch = loop.watch(pipeline.wakeDescriptor, events: Int16(POLLIN)) { [unowned self] _ in moreWaiting = true }
        loop.beforeEachWait { [unowned self] in prepare() }
    }

    /// Processes a batch when entries are waiting, then tells the loop how long it may sleep.
    private func prepare() -> Double? {
        if moreWaiting { readBatch() }
        return moreWaiting ? EventLoop.monotonicNow() : nil
    }

    private func readBatch() {
        do throws(JournalError) {
            let read = try pipeline.processAvailable(limit: Self.batchSize, waiting: false, decide: decide)
            afterBatch()
            moreWaiting = read == Self.batchSize
            if read > 0 { scheduleCommit() }
        } catch {
            report("reading the journal: \(error)")
            moreWaiting = false
        }
    }

    private func scheduleCommit() {
        guard commitTimer == nil else { return }
        commitTimer = loop.schedule(after: Self.commitInterval) { [unowned self] in
            commitTimer = nil
            flush()
        }
    }

    /// Saves the decisions and the cursor now, or as soon as it may.
    @discardableResult
    func flush() -> Bool {
        guard mayCommit() else {
            scheduleCommit()
            return false
        }
        do {
            _ = try pipeline.commit()
        } catch {
            report("saving the journal cursor: \(error)")
        }
        return true
    }
}
