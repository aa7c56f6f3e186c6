import Glibc

/// Why a call through `VarlinkClient` failed. Each description is one sentence a command-line
/// tool can print after "cannot reach bailiff: " or similar.
public enum VarlinkClientError: Error, Equatable, Sendable, CustomStringConvertible {
    /// No socket file at the path: the service is not running (or looks elsewhere).
    case noSocket(path: String)
    /// The socket file exists but nothing accepts connections on it: the service stopped.
    case notListening(path: String)
    /// The socket or a directory above it may not be opened by this user.
    case permissionDenied(path: String)
    /// The path does not fit in a unix socket address.
    case pathTooLong(path: String)
    /// The service did not accept, take the call, or reply in time.
    case timedOut(path: String, timeout: Duration)
    /// The service closed the connection before replying.
    case connectionClosed(path: String)
    /// The reply is larger than the client accepts.
    case replyTooLarge(path: String, limit: Int)
    /// The reply is not a Varlink reply, or its parameters do not have the expected shape.
    case malformedReply(path: String, detail: String)
    /// The call could not be encoded (a parameter value JSON cannot hold).
    case unencodableCall(method: String)
    /// A system call failed.
    case failed(path: String, action: String, errno: Int32)
    /// The service answered with a Varlink error.
    case remote(VarlinkError)

    /// The service is simply not there: no socket, or nothing listening on it.
    public var serviceIsNotRunning: Bool {
        switch self {
        case .noSocket, .notListening: return true
        default: return false
        }
    }

    public var description: String {
        switch self {
        case .noSocket(let path):
            return "no socket at \(path)"
        case .notListening(let path):
            return "nothing is listening on \(path)"
        case .permissionDenied(let path):
            return "permission denied opening \(path)"
        case .pathTooLong(let path):
            return "socket path \(path) is too long for a unix socket address"
        case .timedOut(let path, let timeout):
            return "no answer on \(path) within \(timeout)"
        case .connectionClosed(let path):
            return "the service closed the connection on \(path) without replying"
        case .replyTooLarge(let path, let limit):
            return "the reply on \(path) is larger than \(limit) bytes"
        case .malformedReply(let path, let detail):
            return "unexpected reply on \(path): \(detail)"
        case .unencodableCall(let method):
            return "the parameters of \(method) cannot be encoded as JSON"
        case .failed(let path, let action, let code):
            return "\(action) \(path): \(String(cString: strerror(code)))"
        case .remote(let error):
            return error.description
        }
    }
}
