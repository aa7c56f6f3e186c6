/// One ban of one target in one jail.
public struct Ban: Hashable, Sendable {
    public var jail: String
    /// The canonical address or network banned (see `BanTarget`).
    public var target: String
    /// When the ban started, in seconds since the epoch.
    public var bannedAt: Double
    public var duration: BanDuration
    /// 1 for a target's first recorded ban, n + 1 after n earlier ones: what escalation saw.
    public var banNumber: Int
    /// How many failures led to the ban.
    public var failures: Int
    public var source: BanSource

    public init(
        jail: String, target: String, bannedAt: Double, duration: BanDuration, banNumber: Int = 1, failures: Int,
        source: BanSource = .journal
    ) {
        self.jail = jail
        self.target = target
        self.bannedAt = bannedAt
        self.duration = duration
        self.banNumber = banNumber
        self.failures = failures
        self.source = source
    }

    /// When the ban ends; nil for a permanent ban.
    public var expiresAt: Double? { duration.expiry(startingAt: bannedAt) }

    /// Whether the ban is still in force at `time`.
    public func isActive(at time: Double) -> Bool {
        guard let expiresAt else { return true }
        return expiresAt > time
    }
}
