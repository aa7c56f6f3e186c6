import BailiffEngine
import BailiffJournal
import Glibc

/// Drives a `JournalPipeline` from the event loop: waits on the journal's descriptor with
/// the events and timeout sd-journal asks for, reads what is there in bounded batches (so
/// control requests and timers get their turn under a flood), and saves the cursor at
/// most every `commitInterval` seconds while entries flow, and on `flush()`.
final class JournalFeed {
    let pipeline: JournalPipeline
    private let loop: EventLoop
    private let decide: (JailDecision) -> Void
    private let afterBatch: () -> Void
    private let mayCommit: () -> Bool
    private let report: (String) -> Void
    private var watch: EventLoop.WatchID?
    /// The last batch stopped at its limit: more is waiting, so the loop must not sleep.
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

    func attach() throws(JournalError) {
        let descriptor = try pipeline.reader.fileDescriptor
        watch = loop.watch(descriptor, events: try pipeline.reader.events) { [unowned self] _ in
            do throws(JournalError) {
                _ = try pipeline.reader.process()
            } catch {
                report("\(error)")
            }
            moreWaiting = true
        }
        loop.beforeEachWait { [unowned self] in prepare() }
    }

    /// Reads a batch when entries are waiting, then tells the loop how long it may sleep.
    private func prepare() -> Double? {
        if moreWaiting { readBatch() }
        if moreWaiting { return EventLoop.monotonicNow() }
        if let watch, let events = try? pipeline.reader.events { loop.setEvents(events, of: watch) }
        guard let timeout = try? pipeline.reader.timeout else { return nil }
        return EventLoop.monotonicNow() + Double(timeout.components.seconds) + Double(timeout.components.attoseconds) / 1e18
    }

    private func readBatch() {
        do throws(JournalError) {
            let read = try pipeline.processAvailable(limit: Self.batchSize, decide: decide)
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
