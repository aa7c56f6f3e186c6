/// Questions fail2ban asks about the text of a date regex before it compiles it: does it
/// already carry its own boundaries, a capturing group, line anchors, `**` markers. These work on
/// the pattern text (never on log lines), once per template.
enum TemplateRegexShape {
    private typealias Scalars = [Unicode.Scalar]

    /// The first inline global-flags group `(?letters)` anywhere in the text: its range.
    static func globalFlagsRange(_ text: String) -> Range<Int>? {
        let s = Array(text.unicodeScalars)
        var index = 0
        while index + 3 < s.count {
            if let end = flagsGroupEnd(s, at: index, lowercaseOnly: true) { return index..<end }
            index += 1
        }
        return nil
    }

    /// True when the regex starts with its own left boundary: `^`, `(^`, `(?:^`, or the `**`
    /// "no boundary" marker, possibly after opening parentheses and a flags group.
    static func hasOwnLeftBoundary(_ text: String) -> Bool {
        let s = Array(text.unicodeScalars)
        var parens = 0
        while parens < s.count, s[parens] == "(" { parens += 1 }
        for leading in stride(from: parens, through: 0, by: -1) {
            var starts = [Int]()
            if let end = flagsGroupEnd(s, at: leading) { starts.append(end) }
            starts.append(leading)
            for start in starts {
                if at(s, start) == "^" { return true }
                var afterParens = start
                while afterParens < s.count, s[afterParens] == "(" { afterParens += 1 }
                if hasPrefix(s, "**", at: afterParens) { return true }
                if hasPrefix(s, "(^", at: start) || hasPrefix(s, "(?:^", at: start) { return true }
            }
        }
        return false
    }

    /// True when the regex ends with its own right boundary: `$`, `$)`, `\b`, `\s`, or the
    /// `**` marker followed only by closing parentheses; an escaped marker does not count.
    static func hasOwnRightBoundary(_ text: String) -> Bool {
        let s = Array(text.unicodeScalars)
        let n = s.count
        func notEscaped(before index: Int) -> Bool { index == 0 || s[index - 1] != "\\" }
        if n >= 1, s[n - 1] == "$", notEscaped(before: n - 1) { return true }
        if n >= 2, s[n - 1] == ")", s[n - 2] == "$", notEscaped(before: n - 2) { return true }
        if n >= 2, s[n - 2] == "\\", s[n - 1] == "b" || s[n - 1] == "s", notEscaped(before: n - 2) { return true }
        var end = n
        while end > 0, s[end - 1] == ")" { end -= 1 }
        if end >= 2, s[end - 1] == "*", s[end - 2] == "*", notEscaped(before: end - 2) { return true }
        return false
    }

    /// True when the regex has a capturing group: an unescaped `(` not followed by `?` and not
    /// the condition of a conditional group.
    static func hasCapturingGroup(_ text: String) -> Bool {
        let s = Array(text.unicodeScalars)
        for index in s.indices where s[index] == "(" {
            if index + 1 < s.count, s[index + 1] == "?" { continue }
            if index >= 1, s[index - 1] == "\\" { continue }
            if index >= 2, s[index - 2] == "(", s[index - 1] == "?" { continue }
            return true
        }
        return false
    }

    /// Puts the body of a regex without groups into group 1, keeping a leading flags group and
    /// `^`, and a trailing `$`, outside.
    static func wrapInGroup(_ text: String) -> String {
        let s = Array(text.unicodeScalars)
        var prefixEnd = 0
        if let end = flagsGroupEnd(s, at: prefixEnd) { prefixEnd = end }
        if at(s, prefixEnd) == "^" { prefixEnd += 1 }
        if let end = flagsGroupEnd(s, at: prefixEnd) { prefixEnd = end }
        var suffixStart = s.count
        if suffixStart > prefixEnd, s[suffixStart - 1] == "$" { suffixStart -= 1 }
        return string(s[0..<prefixEnd]) + "(" + string(s[prefixEnd..<suffixStart]) + ")" + string(s[suffixStart...])
    }

    /// True when the regex is anchored at the line start: `^`, `(^` or `(?:^` (not `(^|`),
    /// possibly after a flags group.
    static func anchoredAtLineStart(_ text: String) -> Bool {
        let s = Array(text.unicodeScalars)
        var starts = [Int]()
        if let end = flagsGroupEnd(s, at: 0) { starts.append(end) }
        starts.append(0)
        for start in starts {
            if at(s, start) == "^" { return true }
            for opener in ["(^", "(?:^"] where hasPrefix(s, opener, at: start) {
                let after = start + opener.unicodeScalars.count
                if at(s, after) != "|" { return true }
            }
        }
        return false
    }

    /// True when the regex is anchored at the line end: `$` or `$)` not after `\` or `|`.
    static func anchoredAtLineEnd(_ text: String) -> Bool {
        let s = Array(text.unicodeScalars)
        let n = s.count
        for dollar in [n - 1, n - 2] where dollar >= 0 && s[dollar] == "$" {
            if dollar == n - 2 && s[n - 1] != ")" { continue }
            if dollar > 0 && (s[dollar - 1] == "\\" || s[dollar - 1] == "|") { continue }
            return true
        }
        return false
    }

    /// Removes the `**` markers at the start (after opening parentheses and a flags group) and at
    /// the end (before closing parentheses).
    static func removingBoundaryMarkers(_ text: String) -> String {
        var s = Array(text.unicodeScalars)
        var leadingMarker: Int?
        var parens = 0
        while parens < s.count, s[parens] == "(" { parens += 1 }
        if hasPrefix(s, "**", at: parens) {
            leadingMarker = parens
        } else if parens > 0, let flagsEnd = flagsGroupEnd(s, at: parens - 1) {
            var after = flagsEnd
            while after < s.count, s[after] == "(" { after += 1 }
            if hasPrefix(s, "**", at: after) { leadingMarker = after }
        }
        var end = s.count
        while end > 0, s[end - 1] == ")" { end -= 1 }
        let consumedByLeading = leadingMarker.map { $0 + 2 } ?? 0
        if end - 2 >= consumedByLeading, end >= 2, s[end - 1] == "*", s[end - 2] == "*",
           end - 2 == 0 || s[end - 3] != "\\" {
            s.removeSubrange((end - 2)..<end)
        }
        if let leadingMarker { s.removeSubrange(leadingMarker..<(leadingMarker + 2)) }
        return string(s[...])
    }

    /// Strips fail2ban's boundary decorations from a pattern so it can be embedded into a
    /// `{DATE}` pre-match: `{UNB}`, `{^LN-BEG}`, a leading `(?:^|\b|\W)` and a trailing
    /// `(?=\b|\W|$)`.
    static func unbound(_ pattern: String) -> String {
        var text = pattern
        if text.hasPrefix("{UNB}") { text.removeFirst(5) }
        if text.hasPrefix("{^LN-BEG}") { text.removeFirst(9) }
        for prefix in [#"(?:^|\b|\W)"#, #"(^|\b|\W)"#] where text.hasPrefix(prefix) {
            text.removeFirst(prefix.count)
            break
        }
        let suffix = #"(?=\b|\W|$)"#
        if text.hasSuffix(suffix) { text.removeLast(suffix.count) }
        return text
    }

    /// Replaces every `{NAME}` (any letter case, not escaped by `\`) with `replacement`.
    static func replacingPlaceholder(_ name: String, in text: String, with replacement: (String) -> String) -> String {
        let s = Array(text.unicodeScalars)
        let token = Array("{\(name)}".uppercased().unicodeScalars)
        var out = String.UnicodeScalarView()
        var index = 0
        while index < s.count {
            if index + token.count <= s.count, index == 0 || s[index - 1] != "\\",
               zip(s[index..<(index + token.count)], token).allSatisfy({ upper($0) == $1 }) {
                out.append(contentsOf: replacement(string(s[index..<(index + token.count)])).unicodeScalars)
                index += token.count
            } else {
                out.append(s[index])
                index += 1
            }
        }
        return String(out)
    }

    static func containsPlaceholder(_ name: String, in text: String) -> Bool {
        replacingPlaceholder(name, in: text) { _ in "\u{0}" } != text
    }

    // MARK: - helpers

    /// End of a `(?word)` group starting at `index` (word = letters, digits, underscore).
    private static func flagsGroupEnd(_ s: Scalars, at index: Int, lowercaseOnly: Bool = false) -> Int? {
        guard index >= 0, index + 1 < s.count, s[index] == "(", s[index + 1] == "?" else { return nil }
        var cursor = index + 2
        while cursor < s.count,
              lowercaseOnly ? (s[cursor].value >= 0x61 && s[cursor].value <= 0x7A) : isWordScalar(s[cursor]) {
            cursor += 1
        }
        guard cursor > index + 2, cursor < s.count, s[cursor] == ")" else { return nil }
        return cursor + 1
    }

    private static func isWordScalar(_ scalar: Unicode.Scalar) -> Bool {
        scalar == "_" || scalar.properties.isAlphabetic || scalar.properties.numericType != nil
    }

    private static func at(_ s: Scalars, _ index: Int) -> Unicode.Scalar? {
        index >= 0 && index < s.count ? s[index] : nil
    }

    private static func hasPrefix(_ s: Scalars, _ prefix: String, at index: Int) -> Bool {
        let p = Array(prefix.unicodeScalars)
        guard index >= 0, index + p.count <= s.count else { return false }
        return zip(s[index..<(index + p.count)], p).allSatisfy { $0 == $1 }
    }

    private static func upper(_ scalar: Unicode.Scalar) -> Unicode.Scalar {
        scalar.value >= 0x61 && scalar.value <= 0x7A ? Unicode.Scalar(scalar.value - 0x20)! : scalar
    }

    private static func string(_ slice: ArraySlice<Unicode.Scalar>) -> String {
        var view = String.UnicodeScalarView()
        view.append(contentsOf: slice)
        return String(view)
    }
}
