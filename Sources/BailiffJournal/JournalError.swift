import Glibc

/// A failure talking to the journal through libsystemd.
public enum JournalError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A libsystemd call failed: what was being done and the errno it returned.
    case failed(action: String, errno: Int32)
    /// libsystemd cannot parse this cursor string.
    case malformedCursor(String)

    public var description: String {
        switch self {
        case .failed(let action, let code):
            return "\(action): \(errnoDescription(code))"
        case .malformedCursor(let cursor):
            return "malformed journal cursor '\(cursor)' (expected s=...;i=...;b=...;m=...;t=...;x=..., as printed by journalctl --show-cursor)"
        }
    }

    /// libsystemd returns `-errno`; turns a negative result into an error, passes others through.
    @discardableResult
    static func check(_ result: Int32, _ action: @autoclosure () -> String) throws(JournalError) -> Int32 {
        if result < 0 { throw JournalError.failed(action: action(), errno: -result) }
        return result
    }
}

/// The text of an errno value, e.g. "No such file or directory (ENOENT)".
func errnoDescription(_ code: Int32) -> String {
    let text = strerror(code).map { String(cString: $0) } ?? "error \(code)"
    return text
}
