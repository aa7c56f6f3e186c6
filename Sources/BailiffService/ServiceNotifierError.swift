import Glibc

/// Why a notification could not be sent.
public enum ServiceNotifierError: Error, Equatable, Sendable, CustomStringConvertible {
    /// `$NOTIFY_SOCKET` is neither a path nor an abstract socket name (`@name`).
    case unsupportedAddress(String)
    /// A system call failed.
    case failed(action: String, errno: Int32)

    public var description: String {
        switch self {
        case .unsupportedAddress(let address):
            return "NOTIFY_SOCKET=\(address) is not a unix socket path or an abstract socket name"
        case .failed(let action, let code):
            return "\(action): \(String(cString: strerror(code)))"
        }
    }
}
