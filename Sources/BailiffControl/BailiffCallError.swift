extension BailiffInterface {
    /// The errors `io.bailiff` declares, as a type to throw and to switch over.
    public enum CallError: Error, Equatable, Sendable, CustomStringConvertible {
        case noSuchJail(jail: String)
        case invalidAddress(address: String)
        case reloadFailed(reason: String)

        /// The error as sent on the wire.
        public var varlinkError: VarlinkError {
            switch self {
            case .noSuchJail(let jail):
                return VarlinkError(name: "io.bailiff.NoSuchJail", parameters: ["jail": .string(jail)])
            case .invalidAddress(let address):
                return VarlinkError(name: "io.bailiff.InvalidAddress", parameters: ["address": .string(address)])
            case .reloadFailed(let reason):
                return VarlinkError(name: "io.bailiff.ReloadFailed", parameters: ["reason": .string(reason)])
            }
        }

        /// The `io.bailiff` error a Varlink error reply carries; nil for any other error.
        public init?(_ error: VarlinkError) {
            switch error.name {
            case "io.bailiff.NoSuchJail": self = .noSuchJail(jail: error.string("jail") ?? "")
            case "io.bailiff.InvalidAddress": self = .invalidAddress(address: error.string("address") ?? "")
            case "io.bailiff.ReloadFailed": self = .reloadFailed(reason: error.string("reason") ?? "")
            default: return nil
            }
        }

        public var description: String {
            switch self {
            case .noSuchJail(let jail): return "no jail named '\(jail)'"
            case .invalidAddress(let address): return "'\(address)' is not an IP address or network"
            case .reloadFailed(let reason): return "reload failed, the running configuration stays: \(reason)"
            }
        }
    }
}

extension VarlinkHandling {
    /// Answers with an `io.bailiff` error.
    public static func error(_ error: BailiffInterface.CallError) -> VarlinkHandling {
        .reply(.error(error.varlinkError))
    }
}

extension VarlinkReply {
    /// An `io.bailiff` error, for completing a deferred call.
    public static func error(_ error: BailiffInterface.CallError) -> VarlinkReply {
        .error(error.varlinkError)
    }
}
