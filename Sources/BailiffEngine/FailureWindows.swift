/// The failure windows of one jail: per failure id, the recent failures that may still add
/// up to `maxretry` within `findtime`.
///
/// Semantics:
/// - A window is a true sliding window over the failures' own times: an id is decided
///   when some failures of it that are next to each other in time count `maxretry` or more
///   and the first and the last of them are at most `findtime` seconds apart (inclusive,
///   like fail2ban's window). There is no rate estimate. The decision reports the earliest
///   such run together with every held failure up to `findtime` after its first one.
/// - Failures are placed by time, not by arrival, so slightly late ones still count. A
///   window keeps only the newest `maxretry - 1` counted failures (when failures come in
///   time order, older ones can never be part of a deciding run), so a failure arriving
///   after `maxretry - 1` newer ones of its id can only combine with those.
/// - `attempts` makes one failure count as that many, all at its time.
/// - A decision closes the window: every failure held for the id is dropped, so the
///   failures behind a ban never count again (fail2ban deletes the id's ticket on a ban).
/// - Failures of equal time keep their arrival order.
///
/// Resuming (rebuilding windows after a restart without the state itself): replay, with
/// decisions discarded, the failures that arrived before the cut and happened at or after
/// `M - lateness - findtime`, where `M` is the latest failure time before the cut and
/// `lateness` bounds how much older than the latest earlier failure any later failure can
/// be (0 when failures come in time order). That start alone is not enough: a decision
/// made shortly before the cut closed a window that the replay would otherwise rebuild
/// from the failures it already spent. So the replay must also skip, per id, every failure
/// that arrived up to the `trigger` of the id's last decision before the cut. With both,
/// the decisions after the cut are exactly those of an uninterrupted run. The replay is by
/// time, so failures older than the start are left out even if they arrived after it (a
/// journal reader can seek `lateness` earlier and skip them). Purging does not
/// change decisions either, as long as no failure still to come is older than the `now`
/// given to `purgeExpired` (the latest time seen less `lateness` is such a `now`).
///
/// Evidence should be a small value (a journal position, not the log line): a slot is kept
/// for every failure held, and is reused, not cleared, when the failure is dropped.
public struct FailureWindows<Evidence> {
    private var core: WindowCore
    /// Evidence of the held failures, by handle.
    private var evidence = ChunkedArray<Evidence>()

    /// Failures that decide: at least 1 (0 or less decides on every failure, as in fail2ban).
    public var maxretry: Int { core.maxretry }
    public var findtime: Double { core.findtime }

    /// Failures counted in all windows (a failure with several attempts counts them all).
    public var failuresHeld: Int { core.failuresHeld }

    /// Ids with an open window.
    public var idsTracked: Int { core.idsTracked }

    public init(maxretry: Int, findtime: Double) throws(WindowParameterError) {
        core = try WindowCore(maxretry: maxretry, findtime: findtime)
    }

    /// Applies new settings, keeping every window. A window is judged by the new settings
    /// at its id's next failure (as fail2ban does); until then it stays as it was.
    public mutating func changeParameters(maxretry: Int, findtime: Double) throws(WindowParameterError) {
        try core.changeParameters(maxretry: maxretry, findtime: findtime)
    }

    /// Counts a failure of `id` at `time` (seconds since the epoch).
    /// - Parameters:
    ///   - attempts: how many failures this one counts for (at least 1).
    ///   - evidence: what to hand back in the decision, e.g. a journal position.
    /// - Returns: the decision when the id's window reaches `maxretry`; the window is then
    ///   closed. Nil otherwise, and for a time that is not a finite number.
    public mutating func record(id: String, time: Double, attempts: Int = 1, evidence: Evidence) -> BanDecision<Evidence>? {
        guard time.isFinite else { return nil }
        switch core.record(id: id, time: time, attempts: attempts) {
        case .counted(let handle):
            if let handle { keep(evidence, at: handle) }
            return nil
        case .decided(let decision):
            return BanDecision(
                id: id, failures: decision.failures, firstTime: decision.firstTime, lastTime: decision.lastTime,
                evidence: decision.handles.map { $0 == WindowDecision.newFailure ? evidence : self.evidence[Int($0)] },
                trigger: evidence)
        }
    }

    /// Closes every window whose newest failure is older than `now - findtime`: no failure
    /// at `now` or later can join it any more. Cheap to call often: it only looks at windows
    /// whose newest failure, when last seen, was that old.
    /// - Returns: how many windows were closed.
    @discardableResult
    public mutating func purgeExpired(now: Double) -> Int { core.purgeExpired(now: now) }

    /// Drops the window of `id` (for instance when it is banned by hand).
    /// - Returns: whether it had one.
    @discardableResult
    public mutating func forget(id: String) -> Bool { core.forget(id: id) }

    /// The failures held for `id`, in time order; empty when it has no window.
    public func heldFailures(of id: String) -> [HeldFailure<Evidence>] {
        core.held(of: id).map { HeldFailure(time: $0.time, count: $0.count, evidence: evidence[Int($0.handle)]) }
    }

    /// Handles are issued in order or reused, so a new one is always the next slot.
    private mutating func keep(_ value: Evidence, at handle: UInt32) {
        if Int(handle) == evidence.count {
            evidence.append(value)
        } else {
            evidence[Int(handle)] = value
        }
    }
}

extension FailureWindows: Sendable where Evidence: Sendable {}
