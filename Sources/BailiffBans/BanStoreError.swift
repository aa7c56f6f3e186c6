import GRDB

/// A ban store problem bailiff cannot work around: the path, what failed and what to check.
public struct BanStoreError: Error, CustomStringConvertible, Sendable {
    public let path: String
    public let message: String

    public init(path: String, message: String) {
        self.path = path
        self.message = message
    }

    /// An operation that SQLite or the file system refused, with a hint for the usual causes.
    init(path: String, failedTo operation: String, because error: any Error) {
        var reason = "\(error)"
        if let error = error as? DatabaseError {
            reason = error.message ?? "\(error)"
            switch error.resultCode {
            case .SQLITE_FULL: reason += " (the disk is full)"
            case .SQLITE_READONLY, .SQLITE_PERM, .SQLITE_AUTH:
                reason += " (check that the file and its directory are writable by bailiff)"
            case .SQLITE_BUSY, .SQLITE_LOCKED: reason += " (another process holds the ban store; is a second bailiff running?)"
            default: break
            }
        }
        self.init(path: path, message: "cannot \(operation): \(reason)")
    }

    public var description: String { "ban store \(path): \(message)" }
}
