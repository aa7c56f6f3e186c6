import BailiffNetwork
import Glibc

/// The daemon's one event loop: waits with poll(2) on the descriptors it watches, runs
/// timers by the monotonic clock, and takes messages from other threads through a mailbox.
///
/// Not Sendable: the loop, and every handler it runs, belong to the thread that calls
/// `run()`. Other threads reach it only through `Mailbox`.
public final class EventLoop {
    public struct WatchID: Hashable, Sendable { let value: Int }
    public struct TimerID: Hashable, Sendable { let value: Int }

    private struct Watch {
        var descriptor: Int32
        var events: Int16
        var handler: (Int16) -> Void
    }

    private struct Timer {
        var deadline: Double
        var handler: () -> Void
    }

    private var watches: [Int: Watch] = [:]
    private var timers: [Int: Timer] = [:]
    private var preparations: [() -> Double?] = []
    private var nextID = 0
    private var stopping = false

    public init() {}

    /// Seconds on the monotonic clock, the loop's time base for timers.
    public static func monotonicNow() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }

    private func makeID() -> Int {
        nextID += 1
        return nextID
    }

    // MARK: - Descriptors

    /// Calls `handler` with the returned events whenever `descriptor` is ready for `events`
    /// (errors and hang-ups are always reported).
    @discardableResult
    public func watch(_ descriptor: Int32, events: Int16, handler: @escaping (Int16) -> Void) -> WatchID {
        let id = makeID()
        watches[id] = Watch(descriptor: descriptor, events: events, handler: handler)
        return WatchID(value: id)
    }

    public func setEvents(_ events: Int16, of watch: WatchID) {
        watches[watch.value]?.events = events
    }

    public func unwatch(_ watch: WatchID) {
        watches[watch.value] = nil
    }

    // MARK: - Timers

    /// Runs `handler` once, `delay` seconds from now.
    @discardableResult
    public func schedule(after delay: Double, _ handler: @escaping () -> Void) -> TimerID {
        schedule(at: Self.monotonicNow() + max(0, delay), handler)
    }

    /// Runs `handler` once at `deadline` (monotonic seconds).
    @discardableResult
    public func schedule(at deadline: Double, _ handler: @escaping () -> Void) -> TimerID {
        let id = makeID()
        timers[id] = Timer(deadline: deadline, handler: handler)
        return TimerID(value: id)
    }

    public func cancel(_ timer: TimerID) {
        timers[timer.value] = nil
    }

    /// Runs before every wait; may do work and returns the latest monotonic time the wait
    /// may last (nil: no limit). For sources such as sd-journal that state their own
    /// events and timeout anew each time.
    public func beforeEachWait(_ preparation: @escaping () -> Double?) {
        preparations.append(preparation)
    }

    // MARK: - Running

    /// Makes `run()` return once the current handler is done.
    public func stop() {
        stopping = true
    }

    /// Waits and dispatches until `stop()`.
    public func run() throws(SystemCallError) {
        stopping = false
        while !stopping { try runOnce() }
    }

    /// One round: run due timers, wait (at most until `limit` monotonic seconds), dispatch.
    public func runOnce(waitingAtMost limit: Double? = nil) throws(SystemCallError) {
        runDueTimers()
        if stopping { return }
        var deadline = limit
        for preparation in preparations {
            if let wanted = preparation() { deadline = min(deadline ?? wanted, wanted) }
            if stopping { return }
        }
        if let earliest = timers.values.map(\.deadline).min() { deadline = min(deadline ?? earliest, earliest) }

        let ids = Array(watches.keys)
        var descriptors = ids.map { pollfd(fd: watches[$0]!.descriptor, events: watches[$0]!.events, revents: 0) }
        let timeout: Int32
        if let deadline {
            // Round up, so a timer a fraction of a millisecond away is not a busy loop.
            timeout = Int32(clamping: Int(((deadline - Self.monotonicNow()) * 1000).rounded(.up)).clamped(0, Int(Int32.max)))
        } else {
            timeout = -1
        }
        let ready = poll(&descriptors, nfds_t(descriptors.count), timeout)
        if ready < 0 {
            if errno == EINTR { return }
            throw SystemCallError.errno("poll")
        }
        guard ready > 0 else { return }
        for (index, id) in ids.enumerated() where descriptors[index].revents != 0 {
            // A handler may have removed this watch (or others) meanwhile.
            guard let watch = watches[id] else { continue }
            watch.handler(descriptors[index].revents)
            if stopping { return }
        }
    }

    private func runDueTimers() {
        let now = Self.monotonicNow()
        let due = timers.filter { $0.value.deadline <= now }.sorted { $0.value.deadline < $1.value.deadline }
        for (id, timer) in due {
            guard timers.removeValue(forKey: id) != nil else { continue }
            timer.handler()
            if stopping { return }
        }
    }
}

extension Int {
    fileprivate func clamped(_ lower: Int, _ upper: Int) -> Int { Swift.min(Swift.max(self, lower), upper) }
}
