extension BailiffInterface {
    /// One address banned now.
    public struct ActiveBan: Codable, Equatable, Sendable {
        public var jail: String
        /// An address, or a network in CIDR notation.
        public var address: String
        /// Seconds since the epoch.
        public var bannedAt: Double
        /// Seconds since the epoch; nil for a permanent ban.
        public var expiresAt: Double?
        /// Nil for a permanent ban.
        public var secondsLeft: Double?
        /// Bans of this address in this jail so far, this one included.
        public var banCount: Int
        /// Failures that led to this ban.
        public var failures: Int

        public init(
            jail: String, address: String, bannedAt: Double, expiresAt: Double?, secondsLeft: Double?,
            banCount: Int, failures: Int
        ) {
            self.jail = jail
            self.address = address
            self.bannedAt = bannedAt
            self.expiresAt = expiresAt
            self.secondsLeft = secondsLeft
            self.banCount = banCount
            self.failures = failures
        }
    }
}
