/// A prefregex written as `HEAD(?P<content>.+)$` (fail2ban's usual shape), matched as
/// `HEAD(?=.)`. On one line without inner line breaks, `.+$` after HEAD succeeds exactly
/// when a character follows, and then always takes the rest of the line; so both forms
/// pick the same HEAD match, and the content runs from its end to the line's end. The
/// short form spares scanning every line once more only to find its end.
final class PrefregexHead {
    let pattern: Pattern
    let code: MatchCode
    /// Where the head's groups land among the capture slots.
    let map: GroupMap

    static let tail = "(?P<content>.+)$"

    /// nil when the prefregex does not have that shape, or its head could change what the
    /// tail means (inline options, newline conventions, a top-level alternation, ...).
    init?(_ prefregex: FilterRegex, slots: CaptureSlots) {
        let full = prefregex.pattern
        guard prefregex.content.count == 1, prefregex.content[0] == full.captureCount,
              let head = PrefregexHead.head(of: full.source),
              let pattern = try? Pattern(pcre2: head + "(?=.)"),
              pattern.captureCount == full.captureCount - 1,
              pattern.namedGroups.elementsEqual(full.namedGroups.filter { $0.name != "content" }, by: { $0 == $1 })
        else { return nil }
        self.pattern = pattern
        code = pattern.matchCode
        map = GroupMap(groups: pattern.namedGroups, alternates: prefregex.alternates, slots: slots)
    }

    /// `source` without its final `(?P<content>.+)$`, if what is left is a plain sequence
    /// at the top level that cannot reach into the tail.
    static func head(of source: String) -> String? {
        guard source.hasSuffix(tail) else { return nil }
        let bytes = Array(source.utf8.dropLast(tail.utf8.count))
        guard !bytes.isEmpty else { return nil }
        let backslash = UInt8(ascii: "\\"), open = UInt8(ascii: "("), close = UInt8(ascii: ")")
        var depth = 0
        var inClass = false
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            let next: UInt8? = index + 1 < bytes.count ? bytes[index + 1] : nil
            if byte == backslash {
                // A dangling escape would swallow the tail's "("; \Q...\E hides structure.
                guard let next, next != UInt8(ascii: "Q") else { return nil }
                index += 2
                continue
            }
            if inClass {
                // POSIX classes ([:alpha:]) nest brackets.
                if byte == UInt8(ascii: "["), let next, next == UInt8(ascii: ":") || next == UInt8(ascii: "=") || next == UInt8(ascii: ".") {
                    return nil
                }
                if byte == UInt8(ascii: "]") { inClass = false }
                index += 1
                continue
            }
            switch byte {
            case UInt8(ascii: "["):
                inClass = true
                index += 1
                if index < bytes.count, bytes[index] == UInt8(ascii: "^") { index += 1 }
                if index < bytes.count, bytes[index] == UInt8(ascii: "]") { index += 1 }
                continue
            case open:
                // Verbs ((*CRLF), ...) and inline options ((?s), (?x), ...) could change
                // what "." or "$" mean; comments could hide anything.
                if next == UInt8(ascii: "*") { return nil }
                if next == UInt8(ascii: "?") {
                    guard index + 2 < bytes.count else { return nil }
                    let kind = bytes[index + 2]
                    guard "P<:=!>(".utf8.contains(kind) else { return nil }
                }
                depth += 1
            case close:
                depth -= 1
                if depth < 0 { return nil }
            case UInt8(ascii: "|"):
                if depth == 0 { return nil }
            default:
                break
            }
            index += 1
        }
        guard depth == 0, !inClass else { return nil }
        return String(decoding: bytes, as: UTF8.self)
    }
}
