extension BailiffInterface {
    /// How the daemon reads the journal.
    public struct JournalStatus: Codable, Equatable, Sendable {
        /// The journal read: "system", a directory, or files.
        public var source: String
        /// The cursor of the last entry fully acted on; nil before the first.
        public var cursor: String?
        public var entriesRead: Int
        /// Entries per second over the last minute.
        public var entriesPerSecond: Double

        public init(source: String, cursor: String?, entriesRead: Int, entriesPerSecond: Double) {
            self.source = source
            self.cursor = cursor
            self.entriesRead = entriesRead
            self.entriesPerSecond = entriesPerSecond
        }
    }

    /// One jail: its settings and its counters.
    public struct JailStatus: Codable, Equatable, Sendable {
        public var name: String
        public var enabled: Bool
        public var filter: String
        public var failuresCounted: Int
        public var currentlyFailing: Int
        public var activeBans: Int
        public var totalBans: Int
        /// Seconds.
        public var findTime: Double
        public var maxRetry: Int
        /// Seconds; nil when bans are permanent.
        public var banTime: Double?
        public var actions: [String]

        public init(
            name: String, enabled: Bool, filter: String, failuresCounted: Int, currentlyFailing: Int,
            activeBans: Int, totalBans: Int, findTime: Double, maxRetry: Int, banTime: Double?, actions: [String]
        ) {
            self.name = name
            self.enabled = enabled
            self.filter = filter
            self.failuresCounted = failuresCounted
            self.currentlyFailing = currentlyFailing
            self.activeBans = activeBans
            self.totalBans = totalBans
            self.findTime = findTime
            self.maxRetry = maxRetry
            self.banTime = banTime
            self.actions = actions
        }
    }

    /// The daemon as a whole.
    public struct Status: Codable, Equatable, Sendable {
        public var version: String
        /// Seconds since the daemon started.
        public var uptime: Double
        public var journal: JournalStatus
        public var jails: [JailStatus]

        public init(version: String, uptime: Double, journal: JournalStatus, jails: [JailStatus]) {
            self.version = version
            self.uptime = uptime
            self.journal = journal
            self.jails = jails
        }
    }
}
