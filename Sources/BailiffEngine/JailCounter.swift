import BailiffConfig
import BailiffFilter

/// One jail's failure counting: the ignore list first, then the failure windows.
///
/// Warm-up (rebuilding windows from failures already acted on) is this same counting with
/// the caller discarding `.ban` outcomes. The windows must not be told apart: a decision
/// closes the id's window whether or not anyone acts on it, so the state after a warm-up
/// is exactly the state a normal run would have reached. Which failures a warm-up after a
/// restart must replay is described on `FailureWindows`.
public struct JailCounter<Evidence> {
    public private(set) var windows: FailureWindows<Evidence>
    public var ignoreList: IgnoreList
    public var attemptCounting: AttemptCounting

    public init(
        maxretry: Int, findtime: Double, ignoreList: IgnoreList = IgnoreList(), attemptCounting: AttemptCounting = .perFailure
    ) throws(WindowParameterError) {
        windows = try FailureWindows(maxretry: maxretry, findtime: findtime)
        self.ignoreList = ignoreList
        self.attemptCounting = attemptCounting
    }

    /// Counting for a configured jail (its `maxretry` and `findtime`).
    public init(jail: JailDefinition, ignoreList: IgnoreList, attemptCounting: AttemptCounting = .perFailure) throws(ConfigError) {
        do throws(WindowParameterError) {
            try self.init(maxretry: jail.maxretry, findtime: jail.findtime, ignoreList: ignoreList, attemptCounting: attemptCounting)
        } catch {
            throw ConfigError("jail [\(jail.name)]: \(error.message)", at: jail.location)
        }
    }

    /// Counts a failure found by the jail's filter.
    public mutating func count(_ failure: Failure, evidence: Evidence) -> CountOutcome<Evidence> {
        count(id: failure.id, address: failure.address, time: failure.time, attempts: failure.attempts, evidence: evidence)
    }

    /// Counts a failure given by its parts.
    /// - Parameters:
    ///   - address: the address when `id` is something else (an `<F-ID>` value); an ignored
    ///     address makes the failure ignored too.
    ///   - attempts: matched lines of the failure; used as its weight only with
    ///     `.perMatchedLine`.
    public mutating func count(id: String, address: String? = nil, time: Double?, attempts: Int = 1, evidence: Evidence)
        -> CountOutcome<Evidence>
    {
        if !ignoreList.isEmpty {
            if let rule = ignoreList.rule(forID: id) { return .ignored(rule) }
            if let address, address != id, let rule = ignoreList.rule(forID: address) { return .ignored(rule) }
        }
        guard let time, time.isFinite else { return .undated }
        let weight = attemptCounting == .perMatchedLine ? attempts : 1
        guard let decision = windows.record(id: id, time: time, attempts: weight, evidence: evidence) else { return .counted }
        return .ban(decision)
    }

    /// Applies a reloaded jail's settings in place, keeping the windows.
    public mutating func reconfigure(maxretry: Int, findtime: Double, ignoreList: IgnoreList) throws(WindowParameterError) {
        try windows.changeParameters(maxretry: maxretry, findtime: findtime)
        self.ignoreList = ignoreList
    }

    /// Closes the windows that can no longer reach `maxretry` (see `FailureWindows.purgeExpired`).
    @discardableResult
    public mutating func purgeExpired(now: Double) -> Int { windows.purgeExpired(now: now) }

    /// Drops the window of `id`, for instance after a ban by hand.
    @discardableResult
    public mutating func forget(id: String) -> Bool { windows.forget(id: id) }
}

extension JailCounter: Sendable where Evidence: Sendable {}
