/// Where a template's regex is bound.
struct DateTemplateFlags: OptionSet, Sendable {
    let rawValue: UInt8
    static let wordEnd = DateTemplateFlags(rawValue: 1)
    static let wordBegin = DateTemplateFlags(rawValue: 2)
    static let lineEnd = DateTemplateFlags(rawValue: 4)
    static let lineBegin = DateTemplateFlags(rawValue: 8)

    static let anchored: DateTemplateFlags = [.lineBegin, .lineEnd]
}

/// One compiled date template: a regex whose group 1 is the date text, and how to turn the
/// match into a time. Immutable; a detector keeps its own usage statistics beside it.
final class DateTemplate: Sendable {
    enum Kind: Sendable {
        /// Named strptime groups (`Y`, `m`, `d`, ...), in group order.
        case fields([FieldGroup], ampmGroupPresent: Bool)
        /// Seconds since the epoch in `group`; `long` also takes milli- and microseconds.
        case epoch(group: Int, long: Bool)
        /// `@` + 24 hex digits, of which the seconds are read.
        case tai64n
    }

    struct FieldGroup: Sendable {
        let key: DateFieldKey
        let group: Int
    }

    let name: String
    /// The regex in fail2ban's (Python) dialect, after boundaries were added.
    let regex: String
    let compiled: Pattern
    let flags: DateTemplateFlags
    /// Preference when templates are reordered: 100 for the line-start copies of the defaults.
    let weight: Double
    let kind: Kind
    /// The strptime-style pattern this template was built from (nil for epoch and TAI64N).
    let pattern: String?
    /// A hand-written matcher equivalent to `compiled`, when there is one.
    let fast: FastDateMatcher?

    var isAnchored: Bool { !flags.isDisjoint(with: .anchored) }

    init(name: String, regex: String, flags: DateTemplateFlags, weight: Double, kind: Kind?, pattern: String?, fast: FastDateMatcher?) throws(DatePatternError) {
        let compiled: Pattern
        do {
            compiled = try Pattern(python: DateTemplate.pcre2Flags(regex), options: [])
        } catch {
            throw DatePatternError(pattern: pattern ?? name, reason: "the regex '\(regex)' does not compile: \(error.reason) at offset \(error.offset)")
        }
        guard compiled.captureCount >= 1 else {
            throw DatePatternError(pattern: pattern ?? name, reason: "the regex '\(regex)' has no group for the date")
        }
        self.name = name
        self.regex = regex
        self.compiled = compiled
        self.flags = flags
        self.weight = weight
        self.pattern = pattern
        self.fast = fast
        if let kind {
            self.kind = kind
        } else {
            var groups: [FieldGroup] = []
            var ampm = false
            for (groupName, number) in compiled.namedGroups {
                guard let key = DateFieldKey(groupName: groupName) else { continue }
                if key == .ampm { ampm = true }
                groups.append(FieldGroup(key: key, group: number))
            }
            self.kind = .fields(groups, ampmGroupPresent: ampm)
        }
    }

    private init(copying other: DateTemplate, weight: Double) {
        name = other.name
        regex = other.regex
        compiled = other.compiled
        flags = other.flags
        self.weight = weight
        kind = other.kind
        pattern = other.pattern
        fast = other.fast
    }

    /// A copy with another weight (the preferred line-start copies of the default set).
    func withWeight(_ weight: Double) -> DateTemplate {
        DateTemplate(copying: self, weight: weight)
    }

    /// Python inline flags PCRE2 does not know (`u`, `a`, `L`) are dropped from the leading
    /// global-flags group; PCRE2 already matches Unicode-aware like Python 3.
    static func pcre2Flags(_ regex: String) -> String {
        guard let range = TemplateRegexShape.globalFlagsRange(regex), range.lowerBound == 0 else { return regex }
        let scalars = Array(regex.unicodeScalars)
        let letters = scalars[(range.lowerBound + 2)..<(range.upperBound - 1)].filter { "imsx".unicodeScalars.contains($0) }
        var out = String.UnicodeScalarView()
        if !letters.isEmpty {
            out.append(contentsOf: "(?".unicodeScalars)
            out.append(contentsOf: letters)
            out.append(")")
        }
        out.append(contentsOf: scalars[range.upperBound...])
        return String(out)
    }
}

/// Builds templates the way fail2ban builds them from pattern strings.
struct DateTemplateFactory: Sendable {
    let translator: DatePatternTranslator

    enum WordBegin {
        /// No left boundary added.
        case none
        /// `(?=^|\b|\W)`: at a word start anywhere in the line.
        case word
        /// `^(?:\W{0,2})?`: at the line start, after at most two non-word characters.
        case lineStart
    }

    // MARK: pattern strings

    /// A template from one `datepattern` value that is neither a default-set keyword nor a
    /// `{DATE}` pre-match: `EPOCH`, `LEPOCH`, `TAI64N` (also after `{^LN-BEG}` or `^`), a regex
    /// with `{EPOCH}`/`{LEPOCH}`, or a strptime-style pattern.
    func template(forPattern pattern: String) throws(DatePatternError) -> DateTemplate {
        let key = pattern.contains("%") ? pattern : pattern.uppercased()
        if key.contains("EPOCH") {
            let long = key.contains("LEPOCH")
            if TemplateRegexShape.containsPlaceholder("EPOCH", in: pattern) || TemplateRegexShape.containsPlaceholder("LEPOCH", in: pattern) {
                return try epoch(pattern: pattern, long: long)
            }
            switch key {
            case "EPOCH", "{^LN-BEG}EPOCH", "^EPOCH": return try epoch(lineBeginOnly: key != "EPOCH", long: false)
            case "LEPOCH", "{^LN-BEG}LEPOCH", "^LEPOCH": return try epoch(lineBeginOnly: key != "LEPOCH", long: true)
            default: break
            }
        }
        switch key {
        case "TAI64N": return try tai64n(lineStart: false)
        case "{^LN-BEG}TAI64N", "^TAI64N": return try tai64n(lineStart: true)
        default: return try strptime(pattern)
        }
    }

    /// A strptime-style pattern: `%` directives inside a Python regex, optionally starting with
    /// `{^LN-BEG}` (line start) or `{UNB}` (no boundaries).
    func strptime(_ original: String, weight: Double = 1) throws(DatePatternError) -> DateTemplate {
        var pattern = original
        var wordBegin = WordBegin.word
        var wordEnd = true
        if pattern.hasPrefix("{UNB}") {
            pattern.removeFirst(5)
            wordBegin = .none
            wordEnd = false
        }
        if wordBegin != .none, pattern.hasPrefix("{^LN-BEG}") {
            pattern.removeFirst(9)
            wordBegin = .lineStart
        }
        var (regex, name) = try translator.translate(pattern)
        if DatePatternTranslator.usesAlphabeticDirective(pattern) { regex = "(?iu)" + regex }
        let (finalRegex, flags) = bound(regex, wordBegin: wordBegin, wordEnd: wordEnd, name: &name)

        var fast: FastDateMatcher?
        if let body = FastDateMatcher.body(forPattern: pattern) {
            if wordBegin == .lineStart, flags.contains(.lineBegin), flags.contains(.wordEnd) {
                fast = FastDateMatcher(body: body, prefix: .lineStart, decades: translator.exactDecades)
            }
        } else if flags.contains(.wordEnd) {
            let prefixText = FastDateMatcher.firstBracketPreMatch
            if pattern.hasPrefix(prefixText), pattern.hasSuffix(")") {
                let inner = String(pattern.dropFirst(prefixText.count).dropLast())
                if let body = FastDateMatcher.body(forPattern: inner) {
                    fast = FastDateMatcher(body: body, prefix: .afterFirstBracket, decades: translator.exactDecades)
                }
            }
        }
        return try DateTemplate(name: name, regex: finalRegex, flags: flags, weight: weight, kind: nil, pattern: original, fast: fast)
    }

    /// Seconds since the epoch: at the line start, after `[`, or in `audit(...)` (SELinux), or,
    /// for `lineBeginOnly`, at the line start (optionally in `[...]`).
    func epoch(lineBeginOnly: Bool, long: Bool) throws(DatePatternError) -> DateTemplate {
        let number = DateTemplateFactory.epochRegex(long: long)
        var name = long ? "LongEpoch" : "Epoch"
        let regex: String
        let wordBegin: WordBegin
        if lineBeginOnly {
            regex = "((?P<square>(?<=^\\[))?\(number))(?(square)(?=\\]))"
            wordBegin = .lineStart
        } else {
            regex = "((?:^|(?P<square>(?<=^\\[))|(?P<selinux>(?<=\\baudit\\()))\(number))(?:(?(selinux)(?=:\\d+\\)))|(?(square)(?=\\])))"
            wordBegin = .none
        }
        let (finalRegex, flags) = bound(regex, wordBegin: wordBegin, wordEnd: true, name: &name)
        return try DateTemplate(name: name, regex: finalRegex, flags: flags, weight: 1, kind: .epoch(group: 1, long: long), pattern: nil, fast: nil)
    }

    /// A regex with `{EPOCH}` or `{LEPOCH}` where the number is.
    func epoch(pattern: String, long: Bool) throws(DatePatternError) -> DateTemplate {
        let number = "(" + DateTemplateFactory.epochRegex(long: long) + ")"
        var replaced = TemplateRegexShape.replacingPlaceholder("LEPOCH", in: pattern) { _ in number }
        replaced = TemplateRegexShape.replacingPlaceholder("EPOCH", in: replaced) { _ in number }
        var name = pattern
        let (finalRegex, flags) = bound("(" + replaced + ")", wordBegin: .word, wordEnd: true, name: &name)
        return try DateTemplate(name: name, regex: finalRegex, flags: flags, weight: 1, kind: .epoch(group: 2, long: long), pattern: nil, fast: nil)
    }

    func tai64n(lineStart: Bool) throws(DatePatternError) -> DateTemplate {
        var name = "TAI64N"
        let (finalRegex, flags) = bound("@[0-9a-f]{24}", wordBegin: lineStart ? .lineStart : .none, wordEnd: true, name: &name)
        return try DateTemplate(name: name, regex: finalRegex, flags: flags, weight: 1, kind: .tai64n, pattern: nil, fast: nil)
    }

    static func epochRegex(long: Bool) -> String {
        long ? #"\d{10,11}(?:\d{3}(?:\.\d{1,6}|\d{3})?)?"# : #"\d{10,11}\b(?:\.\d{3,6})?"#
    }

    // MARK: boundaries

    /// Adds fail2ban's boundaries to a regex and works out its anchoring flags: the date goes in
    /// group 1, a left boundary (word start, or line start after up to two non-word characters)
    /// unless the regex has its own, a right word boundary unless it has its own; `**` markers
    /// are removed; a leading global-flags group stays in front.
    func bound(_ input: String, wordBegin: WordBegin, wordEnd: Bool, name: inout String) -> (regex: String, flags: DateTemplateFlags) {
        var regex = input.trimmingPythonWhitespace()
        var globalFlags = ""
        if let range = TemplateRegexShape.globalFlagsRange(regex) {
            var scalars = Array(regex.unicodeScalars)
            globalFlags = String(String.UnicodeScalarView(scalars[range]))
            scalars.removeSubrange(range)
            regex = String(String.UnicodeScalarView(scalars))
        }
        let boundBegin = wordBegin != .none && !TemplateRegexShape.hasOwnLeftBoundary(regex)
        let boundEnd = wordEnd && !TemplateRegexShape.hasOwnRightBoundary(regex)
        if !TemplateRegexShape.hasCapturingGroup(regex) { regex = TemplateRegexShape.wrapInGroup(regex) }
        var flags: DateTemplateFlags = []
        if boundBegin {
            if wordBegin == .lineStart {
                flags.insert(.lineBegin)
                regex = #"^(?:\W{0,2})?"# + regex
                if !name.hasPrefix("{^LN-BEG}") { name = "{^LN-BEG}" + name }
            } else {
                flags.insert(.wordBegin)
                regex = #"(?=^|\b|\W)"# + regex
            }
        }
        if boundEnd {
            flags.insert(.wordEnd)
            regex += #"(?=\b|\W|$)"#
        }
        if !flags.contains(.lineBegin), TemplateRegexShape.anchoredAtLineStart(regex) { flags.insert(.lineBegin) }
        if !flags.contains(.lineEnd), TemplateRegexShape.anchoredAtLineEnd(regex) { flags.insert(.lineEnd) }
        regex = TemplateRegexShape.removingBoundaryMarkers(regex)
        return (globalFlags + regex, flags)
    }
}

extension String {
    /// Python's `str.strip()` (white space at both ends).
    func trimmingPythonWhitespace() -> String {
        var scalars = Substring(self).unicodeScalars
        while let first = scalars.first, first.properties.isWhitespace || (0x1C...0x1F).contains(first.value) { scalars = scalars.dropFirst() }
        while let last = scalars.last, last.properties.isWhitespace || (0x1C...0x1F).contains(last.value) { scalars = scalars.dropLast() }
        return String(scalars)
    }
}
