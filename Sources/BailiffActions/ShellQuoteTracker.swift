/// Where a position in a shell script sits with respect to quoting.
enum ShellQuoting: Sendable, Hashable {
    case unquoted
    case singleQuoted
    case doubleQuoted

    /// Text that expands to the variable's value unchanged (no splitting, no globbing)
    /// at a position with this quoting.
    func reference(to variable: String) -> String {
        switch self {
        case .unquoted: return "\"${\(variable)}\""
        case .doubleQuoted: return "${\(variable)}"
        // Close the single quotes, expand in double quotes, reopen.
        case .singleQuoted: return "'\"${\(variable)}\"'"
        }
    }
}

/// Follows the quoting of a POSIX shell script one token at a time: quotes, backslash
/// escapes, `$( )` and backquote substitutions (which start afresh inside double
/// quotes) and comments. It only decides how a value is referenced; a wrong guess makes
/// a value show up as the literal variable reference, never run it.
struct ShellQuoteTracker {
    private enum Frame {
        /// Shell code: the top level, or inside `$( )` (nesting depth of plain parentheses)
        /// or backquotes.
        case code(Closer)
        case single
        case double
    }

    private enum Closer {
        case end
        case parenthesis(depth: Int)
        case backquote
    }

    private var frames: [Frame] = [.code(.end)]
    private var previous: Unicode.Scalar?

    var quoting: ShellQuoting {
        switch frames.last! {
        case .code: return .unquoted
        case .single: return .singleQuoted
        case .double: return .doubleQuoted
        }
    }

    /// Consumes the token at `index` and moves `index` past it.
    mutating func advance(_ scalars: [Unicode.Scalar], _ index: inout Int) {
        let scalar = scalars[index]
        let next: Unicode.Scalar? = index + 1 < scalars.count ? scalars[index + 1] : nil
        var length = 1
        switch frames.last! {
        case .single:
            if scalar == "'" { frames.removeLast() }
        case .double:
            switch scalar {
            case "\\" where next.map { "$`\"\\\n".unicodeScalars.contains($0) } ?? false: length = 2
            case "\"": frames.removeLast()
            case "$" where next == "(": frames.append(.code(.parenthesis(depth: 0))); length = 2
            case "`": frames.append(.code(.backquote))
            default: break
            }
        case .code(let closer):
            switch scalar {
            // A tag right after a backslash is still a tag, so the backslash only escapes other characters.
            case "\\" where next != nil && next != "<": length = 2
            case "'": frames.append(.single)
            case "\"": frames.append(.double)
            case "`":
                if case .backquote = closer { frames.removeLast() } else { frames.append(.code(.backquote)) }
            case "$" where next == "(": frames.append(.code(.parenthesis(depth: 0))); length = 2
            case "(":
                if case .parenthesis(let depth) = closer { frames[frames.count - 1] = .code(.parenthesis(depth: depth + 1)) }
            case ")":
                if case .parenthesis(let depth) = closer {
                    if depth == 0 { frames.removeLast() } else { frames[frames.count - 1] = .code(.parenthesis(depth: depth - 1)) }
                }
            case "#" where ShellQuoteTracker.startsWord(after: previous):
                while index + length < scalars.count, scalars[index + length] != "\n" { length += 1 }
            default: break
            }
        }
        previous = scalars[index + length - 1]
        index += length
    }

    private static func startsWord(after previous: Unicode.Scalar?) -> Bool {
        guard let previous else { return true }
        return " \t\n;&|()".unicodeScalars.contains(previous)
    }
}
