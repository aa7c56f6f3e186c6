/// The text an anchored regex must start with: `^Failed (?P<nofail>publickey) for` can only
/// match a subject starting with "Failed publickey for". A subject that does not start with
/// it cannot match, so the regex need not run. Read conservatively: the prefix stops at
/// the first construct that is not a plain, unquantified character or a group of such
/// (classes, escapes such as `\s`, alternations, lookarounds, options, quantifiers...).
enum LiteralPrefix {
    static func of(_ source: String) -> [UInt8] {
        let bytes = Array(source.utf8)
        guard bytes.first == UInt8(ascii: "^"), !hidesStructure(bytes) else { return [] }
        var out: [UInt8] = []
        var index = 1
        _ = sequence(bytes, &index, end: bytes.count, into: &out)
        return out
    }

    /// Comments, quoting and option settings (extended mode above all) can hide or change
    /// what the bracket and bar characters mean; such patterns get no prefix.
    private static func hidesStructure(_ bytes: [UInt8]) -> Bool {
        for index in 0..<max(bytes.count - 2, 0) {
            if bytes[index] == backslash, bytes[index + 1] == UInt8(ascii: "Q") { return true }
            if bytes[index] == open, bytes[index + 1] == UInt8(ascii: "?"), "#imnsxJU-^C".utf8.contains(bytes[index + 2]) { return true }
        }
        return false
    }

    private static let open = UInt8(ascii: "("), close = UInt8(ascii: ")"), backslash = UInt8(ascii: "\\")

    private static func isQuantifier(_ byte: UInt8?) -> Bool {
        guard let byte else { return false }
        return byte == UInt8(ascii: "?") || byte == UInt8(ascii: "*") || byte == UInt8(ascii: "+") || byte == UInt8(ascii: "{")
    }

    private static func isPlain(_ byte: UInt8) -> Bool {
        // ASCII without a special meaning outside a class (PCRE2, no extended mode).
        guard byte >= 0x20, byte < 0x7F else { return false }
        return !"\\^$.[]|()?*+{}#".utf8.contains(byte)
    }

    /// Reads the sequence in `bytes[index..<end]`, appending its literal start to `out`.
    /// Returns whether the whole sequence was literal (so what follows it still counts).
    private static func sequence(_ bytes: [UInt8], _ index: inout Int, end: Int, into out: inout [UInt8]) -> Bool {
        // A top-level alternation makes nothing in the sequence mandatory.
        guard !hasTopLevelBar(bytes, from: index, to: end) else { return false }
        while index < end {
            let byte = bytes[index]
            let next: UInt8? = index + 1 < end ? bytes[index + 1] : nil
            if isPlain(byte) {
                guard !isQuantifier(next) else { return false }
                out.append(byte)
                index += 1
                continue
            }
            if byte == backslash {
                // An escaped punctuation character is that character; letters and digits
                // are classes, assertions or references.
                guard let next, isPlain(next) || "\\^$.[]|()?*+{}".utf8.contains(next), !next.isLetterOrDigit else { return false }
                let after: UInt8? = index + 2 < end ? bytes[index + 2] : nil
                guard !isQuantifier(after) else { return false }
                out.append(next)
                index += 2
                continue
            }
            if byte == open {
                guard let close = matchingClose(bytes, from: index, to: end) else { return false }
                let after: UInt8? = close + 1 < end ? bytes[close + 1] : nil
                guard !isQuantifier(after), let contentStart = groupContentStart(bytes, at: index, close: close) else { return false }
                var inner = contentStart
                guard sequence(bytes, &inner, end: close, into: &out) else { return false }
                index = close + 1
                continue
            }
            return false
        }
        return true
    }

    /// Where a capturing or non-capturing group's content starts; nil for every other kind.
    private static func groupContentStart(_ bytes: [UInt8], at index: Int, close: Int) -> Int? {
        guard index + 1 < close else { return index + 1 }
        if bytes[index + 1] == UInt8(ascii: "*") { return nil }
        guard bytes[index + 1] == UInt8(ascii: "?") else { return index + 1 }
        guard index + 2 < close else { return nil }
        let kind = bytes[index + 2]
        if kind == UInt8(ascii: ":") { return index + 3 }
        // (?P<name>...) and (?<name>...); not (?<= or (?<!.
        var nameStart: Int
        if kind == UInt8(ascii: "P"), index + 3 < close, bytes[index + 3] == UInt8(ascii: "<") {
            nameStart = index + 4
        } else if kind == UInt8(ascii: "<"), index + 3 < close, bytes[index + 3].isLetterOrDigit || bytes[index + 3] == UInt8(ascii: "_") {
            nameStart = index + 3
        } else {
            return nil
        }
        while nameStart < close, bytes[nameStart].isLetterOrDigit || bytes[nameStart] == UInt8(ascii: "_") { nameStart += 1 }
        guard nameStart < close, bytes[nameStart] == UInt8(ascii: ">") else { return nil }
        return nameStart + 1
    }

    /// The `)` closing the group opened at `index`, skipping escapes and classes.
    private static func matchingClose(_ bytes: [UInt8], from index: Int, to end: Int) -> Int? {
        var depth = 0
        var position = index
        while position < end {
            switch bytes[position] {
            case backslash:
                position += 2
                continue
            case UInt8(ascii: "["):
                guard let classEnd = classEnd(bytes, from: position, to: end) else { return nil }
                position = classEnd + 1
                continue
            case open:
                depth += 1
            case close:
                depth -= 1
                if depth == 0 { return position }
            default:
                break
            }
            position += 1
        }
        return nil
    }

    private static func hasTopLevelBar(_ bytes: [UInt8], from start: Int, to end: Int) -> Bool {
        var depth = 0
        var position = start
        while position < end {
            switch bytes[position] {
            case backslash:
                position += 2
                continue
            case UInt8(ascii: "["):
                // An unreadable class: assume the worst.
                guard let classEnd = classEnd(bytes, from: position, to: end) else { return true }
                position = classEnd + 1
                continue
            case open: depth += 1
            case close: depth -= 1
            case UInt8(ascii: "|") where depth == 0: return true
            default: break
            }
            position += 1
        }
        return false
    }

    /// The `]` ending the class opened at `index`; nil for POSIX classes and anything unclear.
    private static func classEnd(_ bytes: [UInt8], from index: Int, to end: Int) -> Int? {
        var position = index + 1
        if position < end, bytes[position] == UInt8(ascii: "^") { position += 1 }
        if position < end, bytes[position] == UInt8(ascii: "]") { position += 1 }
        while position < end {
            switch bytes[position] {
            case backslash: position += 2; continue
            case UInt8(ascii: "["): return nil
            case UInt8(ascii: "]"): return position
            default: position += 1
            }
        }
        return nil
    }
}

private extension UInt8 {
    var isLetterOrDigit: Bool {
        (self >= 0x30 && self <= 0x39) || (self >= 0x41 && self <= 0x5A) || (self >= 0x61 && self <= 0x7A)
    }
}
