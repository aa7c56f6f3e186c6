/// A failure-window setting that cannot work, and what it should be.
public struct WindowParameterError: Error, Equatable, Sendable, CustomStringConvertible {
    public let message: String

    public init(_ message: String) { self.message = message }

    public var description: String { message }

    /// `findtime` must be a finite number of seconds, zero or more.
    static func check(findtime: Double) throws(WindowParameterError) {
        guard findtime.isFinite, findtime >= 0 else {
            throw WindowParameterError("findtime: expected a number of seconds, 0 or more, found \(findtime)")
        }
    }
}
