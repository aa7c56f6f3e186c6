extension BailiffInterface {
    /// Answers while the daemon's event loop runs.
    public enum Ping: VarlinkMethod {
        public static let name = "io.bailiff.Ping"
        public typealias Parameters = VarlinkEmpty
        public typealias Reply = VarlinkEmpty
    }

    /// The daemon's status; with a jail, only that jail is listed.
    public enum GetStatus: VarlinkMethod {
        public static let name = "io.bailiff.GetStatus"

        public struct Parameters: Codable, Equatable, Sendable {
            public var jail: String?
            public init(jail: String? = nil) { self.jail = jail }
        }

        public struct Reply: Codable, Equatable, Sendable {
            public var status: Status
            public init(status: Status) { self.status = status }
        }
    }

    /// The bans in force, in every jail or in one.
    public enum ListBans: VarlinkMethod {
        public static let name = "io.bailiff.ListBans"

        public struct Parameters: Codable, Equatable, Sendable {
            public var jail: String?
            public init(jail: String? = nil) { self.jail = jail }
        }

        public struct Reply: Codable, Equatable, Sendable {
            public var bans: [ActiveBan]
            public init(bans: [ActiveBan]) { self.bans = bans }
        }
    }

    /// Bans addresses in a jail by hand; replies with those newly banned.
    public enum Ban: VarlinkMethod {
        public static let name = "io.bailiff.Ban"

        public struct Parameters: Codable, Equatable, Sendable {
            public var jail: String
            public var addresses: [String]
            public init(jail: String, addresses: [String]) {
                self.jail = jail
                self.addresses = addresses
            }
        }

        public struct Reply: Codable, Equatable, Sendable {
            public var banned: [String]
            public init(banned: [String]) { self.banned = banned }
        }
    }

    /// Lifts bans: of the given addresses (in one jail or all), or all of them.
    public enum Unban: VarlinkMethod {
        public static let name = "io.bailiff.Unban"

        public struct Parameters: Codable, Equatable, Sendable {
            public var jail: String?
            public var addresses: [String]?
            public var all: Bool?
            public init(jail: String? = nil, addresses: [String]? = nil, all: Bool? = nil) {
                self.jail = jail
                self.addresses = addresses
                self.all = all
            }
        }

        public struct Reply: Codable, Equatable, Sendable {
            public var unbanned: [String]
            public init(unbanned: [String]) { self.unbanned = unbanned }
        }
    }

    /// Reads the configuration again and applies it whole, or not at all.
    public enum Reload: VarlinkMethod {
        public static let name = "io.bailiff.Reload"
        public typealias Parameters = VarlinkEmpty

        public struct Reply: Codable, Equatable, Sendable {
            /// The jails running after the reload.
            public var jails: [String]
            public init(jails: [String]) { self.jails = jails }
        }
    }
}
