/// Hand-written matchers for the most common date templates, giving exactly what the template's
/// regex gives (same span, same fields) without running PCRE2.
///
/// Each matcher walks its template's regex in the regex's own priority order (greedy first,
/// alternatives left to right, backtracking to the next choice on failure), so the first success
/// is the regex's match. They only decide on ASCII: when a byte they look at is not ASCII (where
/// Unicode `\d`, `\w`, `\s` or case folding could answer differently) they answer `unknown`, and
/// the caller runs the regex.
struct FastDateMatcher: Sendable {
    enum Body: Sendable, Equatable {
        /// `(?:%a )?%b %d %k:%M:%S(?:\.%f)?(?: %ExY)?`
        case syslog
        /// `%ExY(?P<_sep>[-/.])%m(?P=_sep)%d(?:T|  ?)%H:%M:%S(?:[.,]%f)?(?:\s*%z)?`, or with
        /// `[T ]` between date and time.
        case iso(singleSeparator: Bool)
        /// `%d(?P<_sep>[-/])%b(?P=_sep)%ExY[ :]?%H:%M:%S(?:\.%f)?(?: %z)?`
        case apache
    }

    enum Prefix: Sendable, Equatable {
        /// `^(?:\W{0,2})?`: at the line start, after at most two non-word characters.
        case lineStart
        /// `^[^\[]*\[`: right after the first `[` of the line.
        case afterFirstBracket
    }

    let body: Body
    let prefix: Prefix
    /// Accepted decade digits of `%ExY` (`20Dd`).
    let firstDecade: UInt8
    let lastDecade: UInt8

    init(body: Body, prefix: Prefix, decades: ClosedRange<Int>) {
        self.body = body
        self.prefix = prefix
        firstDecade = UInt8(0x30 + decades.lowerBound)
        lastDecade = UInt8(0x30 + decades.upperBound)
    }

    /// Recognises the template bodies this matcher knows, by their pattern text.
    static func body(forPattern pattern: String) -> Body? {
        switch pattern {
        case "(?:%a )?%b %d %k:%M:%S(?:\\.%f)?(?: %ExY)?": return .syslog
        case "%ExY(?P<_sep>[-/.])%m(?P=_sep)%d(?:T|  ?)%H:%M:%S(?:[.,]%f)?(?:\\s*%z)?": return .iso(singleSeparator: false)
        case "%ExY(?P<_sep>[-/.])%m(?P=_sep)%d[T ]%H:%M:%S(?:[.,]%f)?(?:\\s*%z)?": return .iso(singleSeparator: true)
        case "%d(?P<_sep>[-/])%b(?P=_sep)%ExY[ :]?%H:%M:%S(?:\\.%f)?(?: %z)?": return .apache
        default: return nil
        }
    }

    /// The `{DATE}` pre-match text that becomes `.afterFirstBracket`.
    static let firstBracketPreMatch = "^[^\\[]*\\[("

    enum Outcome {
        case match(FastDateMatch)
        case noMatch
        case unknown
    }

    func match(_ base: UnsafePointer<UInt8>, count: Int) -> Outcome {
        var reach = 0
        return match(base, count: count, reach: &reach)
    }

    /// - Parameter reach: set to how many leading bytes decided the outcome (any line
    ///   starting with the same bytes gets the same outcome), or -1 when the line's length
    ///   did too.
    func match(_ base: UnsafePointer<UInt8>, count: Int, reach: inout Int) -> Outcome {
        var scan = ByteScan(base: base, count: count)
        defer { reach = scan.pastEnd ? -1 : scan.reach }
        switch prefix {
        case .lineStart:
            var nonWord = 0
            while nonWord < 2 {
                guard nonWord < count else { scan.pastEnd = true; break }
                scan.reach = max(scan.reach, nonWord + 1)
                let byte = base[nonWord]
                if byte >= 0x80 { return .unknown }
                if ByteScan.isWord(byte) { break }
                nonWord += 1
            }
            if let found = quickBody(&scan, at: nonWord) {
                if scan.poisoned { return .unknown }
                return .match(FastDateMatch(matchStart: 0, matchEnd: found.end, dateStart: nonWord, fields: found.fields))
            }
            var start = nonWord
            while start >= 0 {
                if let found = parseBody(&scan, at: start) {
                    if scan.poisoned { return .unknown }
                    return .match(FastDateMatch(matchStart: 0, matchEnd: found.end, dateStart: start, fields: found.fields))
                }
                start -= 1
            }
            return scan.poisoned ? .unknown : .noMatch
        case .afterFirstBracket:
            var bracket = 0
            while bracket < count && base[bracket] != UInt8(ascii: "[") { bracket += 1 }
            scan.reach = bracket + 1
            guard bracket < count else { scan.pastEnd = true; return .noMatch }
            let start = bracket + 1
            if let found = quickBody(&scan, at: start) ?? parseBody(&scan, at: start) {
                if scan.poisoned { return .unknown }
                return .match(FastDateMatch(matchStart: 0, matchEnd: found.end, dateStart: start, fields: found.fields))
            }
            return scan.poisoned ? .unknown : .noMatch
        }
    }

    @inline(__always)
    private func quickBody(_ scan: inout ByteScan, at start: Int) -> (end: Int, fields: DateFields)? {
        switch body {
        case .syslog: return FastSyslogDate.quick(&scan, at: start, matcher: self)
        case .iso(let single): return FastISODate.quick(&scan, at: start, singleSeparator: single, matcher: self)
        case .apache: return FastApacheDate.quick(&scan, at: start, matcher: self)
        }
    }

    @inline(__always)
    private func parseBody(_ scan: inout ByteScan, at start: Int) -> (end: Int, fields: DateFields)? {
        switch body {
        case .syslog: return FastSyslogDate.parse(&scan, at: start, matcher: self)
        case .iso(let single): return FastISODate.parse(&scan, at: start, singleSeparator: single, matcher: self)
        case .apache: return FastApacheDate.parse(&scan, at: start, matcher: self)
        }
    }

    /// `%ExY` at `index`: its value.
    @inline(__always)
    func exactYear(_ scan: inout ByteScan, at index: Int) -> Int? {
        guard scan.at(index) == UInt8(ascii: "2"), scan.at(index + 1) == UInt8(ascii: "0") else { return nil }
        let decade = scan.at(index + 2)
        guard decade >= firstDecade && decade <= lastDecade, let unit = scan.digit(index + 3) else { return nil }
        return 2000 + Int(decade - 0x30) * 10 + unit
    }
}

/// What a fast matcher found: the span of the whole match (group 0) and of the date (group 1).
struct FastDateMatch {
    var matchStart: Int
    var matchEnd: Int
    var dateStart: Int
    var fields: DateFields
}

/// Up to four (end, value) choices for one regex element, in the regex's priority order.
struct Choices {
    private(set) var count = 0
    private var ends: (Int, Int, Int, Int) = (0, 0, 0, 0)
    private var values: (Int, Int, Int, Int) = (0, 0, 0, 0)

    @inline(__always)
    mutating func add(_ end: Int, _ value: Int = 0) {
        switch count {
        case 0: ends.0 = end; values.0 = value
        case 1: ends.1 = end; values.1 = value
        case 2: ends.2 = end; values.2 = value
        default: ends.3 = end; values.3 = value
        }
        count += 1
    }

    @inline(__always)
    subscript(index: Int) -> (end: Int, value: Int) {
        switch index {
        case 0: return (ends.0, values.0)
        case 1: return (ends.1, values.1)
        case 2: return (ends.2, values.2)
        default: return (ends.3, values.3)
        }
    }
}

/// Byte access for the fast matchers. Reading past the end gives 0 (which, like the end, is
/// neither digit, letter nor space); reading a non-ASCII byte gives 0 too but marks the scan
/// `poisoned`, so that its answer is discarded.
struct ByteScan {
    let base: UnsafePointer<UInt8>
    let count: Int
    var poisoned = false
    /// How many leading bytes were read, and whether a read went past the end.
    var reach = 0
    var pastEnd = false

    @inline(__always)
    mutating func at(_ index: Int) -> UInt8 {
        guard index < count else { pastEnd = true; return 0 }
        if index >= reach { reach = index + 1 }
        let byte = base[index]
        if byte >= 0x80 { poisoned = true; return 0 }
        return byte
    }

    @inline(__always)
    mutating func digit(_ index: Int) -> Int? {
        let byte = at(index)
        return byte >= 0x30 && byte <= 0x39 ? Int(byte) - 0x30 : nil
    }

    @inline(__always)
    mutating func digit(_ index: Int, in range: ClosedRange<UInt8>) -> Int? {
        let byte = at(index)
        return range.contains(byte) ? Int(byte) - 0x30 : nil
    }

    @inline(__always)
    static func isWord(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || ((byte | 0x20) >= 0x61 && (byte | 0x20) <= 0x7A) || byte == 0x5F
    }

    /// `(?=\b|\W|$)` after a date ending with a word character: the next character is not one.
    @inline(__always)
    mutating func wordEndsAt(_ index: Int) -> Bool {
        !ByteScan.isWord(at(index))
    }

    /// Python/PCRE2 `\s` on ASCII.
    @inline(__always)
    static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || (byte >= 0x09 && byte <= 0x0D)
    }

    /// A two-character day `dd`, `0d` or ` d` (1...31) whose first regex choice is both
    /// characters (for `3x` the one-character choice fails on the next character, a digit).
    @inline(__always)
    static func plainDay(_ first: UInt8, _ second: UInt8) -> Int? {
        switch first {
        case 0x31, 0x32: return second >= 0x30 && second <= 0x39 ? Int(first - 0x30) * 10 + Int(second - 0x30) : nil
        case 0x30, 0x20: return second >= 0x31 && second <= 0x39 ? Int(second - 0x30) : nil
        case 0x33: return second == 0x30 || second == 0x31 ? 30 + Int(second - 0x30) : nil
        default: return nil
        }
    }

    /// Two digits whose first is at most `firstMax`: the first choice of `[0-L]?\d`.
    @inline(__always)
    mutating func plainTwoDigits(_ index: Int, firstMax: UInt8) -> Int? {
        let first = at(index)
        let second = at(index + 1)
        guard first >= 0x30 && first <= firstMax, second >= 0x30 && second <= 0x39 else { return nil }
        return Int(first - 0x30) * 10 + Int(second - 0x30)
    }

    /// Choices of `(?P<d>[1-2]\d|[0 ]?[1-9]|3[0-1])` at `index`.
    @inline(__always)
    mutating func dayChoices(_ index: Int) -> Choices {
        var choices = Choices()
        let first = at(index)
        let second = at(index + 1)
        if first >= 0x31 && first <= 0x32, second >= 0x30 && second <= 0x39 {
            choices.add(index + 2, Int(first - 0x30) * 10 + Int(second - 0x30))
        }
        if first == 0x30 || first == 0x20, second >= 0x31 && second <= 0x39 {
            choices.add(index + 2, Int(second - 0x30))
        }
        if first >= 0x31 && first <= 0x39 { choices.add(index + 1, Int(first - 0x30)) }
        if first == 0x33, second == 0x30 || second == 0x31 { choices.add(index + 2, 30 + Int(second - 0x30)) }
        return choices
    }

    /// Choices of `[0-L]?\d` (then `alternative` two-digit form, such as `2[0-3]` or `6[0-1]`).
    @inline(__always)
    mutating func twoDigitChoices(_ index: Int, optionalFirstMax: UInt8, alternativeFirst: UInt8 = 0, alternativeSecondMax: UInt8 = 0) -> Choices {
        var choices = Choices()
        let first = at(index)
        let second = at(index + 1)
        let firstIsDigit = first >= 0x30 && first <= 0x39
        let secondIsDigit = second >= 0x30 && second <= 0x39
        if firstIsDigit, first <= optionalFirstMax, secondIsDigit {
            choices.add(index + 2, Int(first - 0x30) * 10 + Int(second - 0x30))
        }
        if firstIsDigit { choices.add(index + 1, Int(first - 0x30)) }
        if alternativeFirst != 0, first == alternativeFirst, second >= 0x30 && second <= alternativeSecondMax {
            choices.add(index + 2, Int(first - 0x30) * 10 + Int(second - 0x30))
        }
        return choices
    }

    /// Number of `[0-9]` digits at `index`, at most `limit`.
    @inline(__always)
    mutating func digitRun(_ index: Int, limit: Int) -> Int {
        var length = 0
        while length < limit, digit(index + length) != nil { length += 1 }
        return length
    }

    /// Microseconds of `length` fraction digits at `index`.
    @inline(__always)
    func microseconds(_ index: Int, length: Int) -> Int {
        var value = 0
        for offset in 0..<6 {
            value = value * 10 + (offset < length ? Int(base[index + offset]) - 0x30 : 0)
        }
        return value
    }

    /// Choices of the zone `Z|UTC|GMT|[+-][01]\d(?::?\d{2})?` at `index`; values are minutes,
    /// or `Int.min` for a spelling fail2ban cannot convert (lower case under `(?i)`).
    @inline(__always)
    mutating func zoneChoices(_ index: Int, caseless: Bool) -> Choices {
        var choices = Choices()
        let first = at(index)
        let upper = caseless ? first & ~0x20 : first
        if upper == UInt8(ascii: "Z") {
            choices.add(index + 1, first == UInt8(ascii: "Z") ? 0 : Int.min)
            return choices
        }
        if upper == UInt8(ascii: "U") || upper == UInt8(ascii: "G") {
            let second = at(index + 1)
            let third = at(index + 2)
            let word = (caseless ? second & ~0x20 : second, caseless ? third & ~0x20 : third)
            if (upper == UInt8(ascii: "U") && word == (UInt8(ascii: "T"), UInt8(ascii: "C")))
                || (upper == UInt8(ascii: "G") && word == (UInt8(ascii: "M"), UInt8(ascii: "T"))) {
                let exact = first == upper && second == word.0 && third == word.1
                choices.add(index + 3, exact ? 0 : Int.min)
            }
            return choices
        }
        guard first == UInt8(ascii: "+") || first == UInt8(ascii: "-"),
              let tens = digit(index + 1, in: 0x30...0x31), let units = digit(index + 2)
        else { return choices }
        let sign = first == UInt8(ascii: "-") ? -1 : 1
        let hours = tens * 10 + units
        if at(index + 3) == UInt8(ascii: ":"), let m1 = digit(index + 4), let m2 = digit(index + 5) {
            choices.add(index + 6, sign * (hours * 60 + m1 * 10 + m2))
        }
        if let m1 = digit(index + 3), let m2 = digit(index + 4) {
            choices.add(index + 5, sign * (hours * 60 + m1 * 10 + m2))
        }
        choices.add(index + 3, sign * hours * 60)
        return choices
    }
}
