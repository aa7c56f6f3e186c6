import Glibc

/// A failed call into the C library, with the reason it gave.
public struct SystemCallError: Error, Equatable, Sendable, CustomStringConvertible {
    public let call: String
    public let reason: String

    public init(call: String, reason: String) {
        self.call = call
        self.reason = reason
    }

    /// The error in `errno` right after `call` failed.
    public static func errno(_ call: String) -> SystemCallError {
        SystemCallError(call: call, reason: String(cString: strerror(Glibc.errno)))
    }

    public var description: String { "\(call): \(reason)" }
}
