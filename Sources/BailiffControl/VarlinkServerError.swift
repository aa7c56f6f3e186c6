import Glibc

/// Why a server could not start listening.
public enum VarlinkServerError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The path does not fit in a unix socket address.
    case pathTooLong(path: String, limit: Int)
    /// A live service already answers on the socket.
    case alreadyInUse(path: String)
    /// Something other than a socket is at the path; it is left alone.
    case notASocket(path: String)
    /// A descriptor handed over is not a listening stream socket.
    case notAListeningSocket(descriptor: Int32)
    /// A system call failed.
    case failed(action: String, errno: Int32)

    public var description: String {
        switch self {
        case .pathTooLong(let path, let limit):
            return "socket path \(path) is longer than the \(limit) bytes a unix socket address holds"
        case .alreadyInUse(let path):
            return "another process is already listening on \(path)"
        case .notASocket(let path):
            return "\(path) exists and is not a socket; refusing to replace it"
        case .notAListeningSocket(let descriptor):
            return "descriptor \(descriptor) is not a listening stream socket"
        case .failed(let action, let code):
            return "\(action): \(String(cString: strerror(code)))"
        }
    }
}
