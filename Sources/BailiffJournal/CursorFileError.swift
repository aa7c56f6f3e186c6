/// Why a cursor file could not be read or written. Each case names the file.
public enum CursorFileError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The file holds nothing (or only whitespace).
    case empty(path: String)
    /// The file holds bytes that are not printable ASCII: not written by bailiff.
    case notText(path: String)
    /// The file holds several lines where one cursor line belongs.
    case severalLines(path: String, count: Int)
    /// The one line is not a journal cursor.
    case notACursor(path: String, line: String)
    /// The file is far larger than any cursor.
    case tooLarge(path: String, size: Int)
    /// The path names a directory or another non-regular file.
    case notARegularFile(path: String, kind: String)
    /// The file exists but cannot be opened or read.
    case unreadable(path: String, errno: Int32)
    /// Replacing the file failed at `step`.
    case unwritable(path: String, step: String, errno: Int32)
    /// `write` was given something that is not a journal cursor.
    case invalidCursor(String)

    public var description: String {
        switch self {
        case .empty(let path):
            return "cursor file \(path) is empty (expected one line holding a journal cursor)"
        case .notText(let path):
            return "cursor file \(path) holds binary data (expected one line holding a journal cursor)"
        case .severalLines(let path, let count):
            return "cursor file \(path) holds \(count) lines (expected one line holding a journal cursor)"
        case .notACursor(let path, let line):
            let shown = line.count > 80 ? String(line.prefix(80)) + "..." : line
            return "cursor file \(path) holds '\(shown)', not a journal cursor (expected s=...;i=...;b=...;m=...;t=...;x=...)"
        case .tooLarge(let path, let size):
            return "cursor file \(path) is \(size) bytes or more, too large for a journal cursor"
        case .notARegularFile(let path, let kind):
            return "cursor file \(path) is a \(kind), not a regular file"
        case .unreadable(let path, let code):
            return "cannot read cursor file \(path): \(errnoDescription(code))"
        case .unwritable(let path, let step, let code):
            return "cannot write cursor file \(path) (\(step)): \(errnoDescription(code))"
        case .invalidCursor(let cursor):
            return "refusing to store '\(cursor)' as journal cursor: it is not one (expected s=...;i=...;b=...;m=...;t=...;x=...)"
        }
    }
}
