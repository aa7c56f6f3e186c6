/// A date pattern fail2ban would refuse, with the reason.
public struct DatePatternError: Error, CustomStringConvertible, Sendable {
    public let pattern: String
    public let reason: String

    public var description: String { "invalid datepattern '\(pattern)': \(reason)" }
}

/// Turns strptime-style directives (`%Y`, `%b`, `%ExY`, ...) inside a fail2ban date pattern
/// into Python-dialect regex groups named after the directive's field, and into the
/// human-readable template name fail2ban shows for it.
struct DatePatternTranslator: Sendable {
    struct Directive: Sendable {
        let regex: String
        let name: String
    }

    /// Accepted 4-digit years for `%ExY`: "20" followed by a decade digit in this range.
    let exactDecades: ClosedRange<Int>
    private let directives: [String: Directive]

    /// `%ExY` accepts the years from 2000 up to the decade of `currentYear + 3`, as fail2ban
    /// builds it from the clock when it starts.
    init(currentYear: Int) {
        let lastDecade = max(0, min(9, (currentYear + 3) / 10 - 200))
        exactDecades = 0...lastDecade
        directives = DatePatternTranslator.table(lastDecade: lastDecade)
    }

    /// The regex for `%ExY`.
    var exactYearRegex: String { directives["ExY"]!.regex }

    /// Replaces every directive; `%%` is a literal percent sign.
    func translate(_ pattern: String) throws(DatePatternError) -> (regex: String, name: String) {
        let scalars = Array(pattern.unicodeScalars)
        var regex = String.UnicodeScalarView()
        var name = String.UnicodeScalarView()
        var index = 0
        while index < scalars.count {
            let scalar = scalars[index]
            guard scalar == "%" else {
                regex.append(scalar)
                name.append(scalar)
                index += 1
                continue
            }
            guard index + 1 < scalars.count else {
                throw DatePatternError(pattern: pattern, reason: "a lone '%' at the end (write '%%' for a literal percent sign)")
            }
            var key = String(scalars[index + 1])
            if scalars[index + 1] == "E", index + 3 < scalars.count, scalars[index + 2] == "x" {
                let extended = "Ex" + String(scalars[index + 3])
                if directives[extended] != nil { key = extended }
            }
            guard let directive = directives[key] else {
                throw DatePatternError(
                    pattern: pattern,
                    reason: "unsupported directive '%\(key)' at offset \(index) (write '%%' for a literal percent sign)")
            }
            regex.append(contentsOf: directive.regex.unicodeScalars)
            name.append(contentsOf: directive.name.unicodeScalars)
            index += 1 + key.unicodeScalars.count
        }
        return (String(regex), String(name))
    }

    /// True when the pattern uses a directive matching letters (`%a %A %b %B %p %c`), which
    /// makes fail2ban match the whole date case-insensitively. A `%` right after another `%`
    /// does not count.
    static func usesAlphabeticDirective(_ pattern: String) -> Bool {
        let scalars = Array(pattern.unicodeScalars)
        for index in scalars.indices where scalars[index] == "%" && index + 1 < scalars.count {
            if index > 0 && scalars[index - 1] == "%" { continue }
            switch scalars[index + 1] {
            case "a", "A", "b", "B", "p", "c": return true
            default: continue
            }
        }
        return false
    }

    private static func table(lastDecade: Int) -> [String: Directive] {
        let day = #"(?P<d>[1-2]\d|[0 ]?[1-9]|3[0-1])"#
        let weekdays = "mon|tue|wed|thu|fri|sat|sun"
        let months = "jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec"
        let fullWeekdays = "wednesday|thursday|saturday|tuesday|monday|friday|sunday"
        let fullMonths = "september|february|november|december|january|october|august|march|april|june|july|may"
        let zoneAbbreviation = "[A-Z](?:[A-Z]{2,4})?"
        let offset = #"[+-][01]\d(?::?\d{2})?"#
        let decades = lastDecade == 0 ? "0" : "[0-\(lastDecade)]"
        let locale = #"(?P<d>3[0-1]|[1-2]\d|0[1-9]|[1-9]| [1-9])"#
        let table: [String: (String, String)] = [
            "%": ("%", "%"),
            "a": ("(?P<a>\(weekdays))", "DAY"),
            "A": ("(?P<A>\(fullWeekdays))", "DAYNAME"),
            "b": ("(?P<b>\(months))", "MON"),
            "B": ("(?P<B>\(fullMonths))", "MONTH"),
            "d": (day, "Day"),
            "f": ("(?P<f>[0-9]{1,6})", "Microseconds"),
            "H": (#"(?P<H>[0-1]?\d|2[0-3])"#, "24hour"),
            "I": (#"(?P<I>1[0-2]|0[1-9]|[1-9])"#, "12hour"),
            "j": (#"(?P<j>36[0-6]|3[0-5]\d|[1-2]\d\d|0[1-9]\d|00[1-9]|[1-9]\d|0[1-9]|[1-9])"#, "Yearday"),
            "m": ("(?P<m>0?[1-9]|1[0-2])", "Month"),
            "M": (#"(?P<M>[0-5]?\d)"#, "Minute"),
            "p": ("(?P<p>am|pm)", "AMPM"),
            "S": (#"(?P<S>[0-5]?\d|6[0-1])"#, "Second"),
            "U": (#"(?P<U>5[0-3]|[0-4]\d|\d)"#, "Yearweek"),
            "W": (#"(?P<W>5[0-3]|[0-4]\d|\d)"#, "Yearweek"),
            "V": (#"(?P<V>5[0-3]|0[1-9]|[1-4]\d|\d)"#, "%V"),
            "G": (#"(?P<G>\d\d\d\d)"#, "%G"),
            "u": ("(?P<u>[1-7])", "%u"),
            "w": ("(?P<w>[0-6])", "Weekday"),
            "y": (#"(?P<y>\d\d)"#, "Year2"),
            "Y": (#"(?P<Y>\d{4})"#, "Year"),
            "z": ("(?P<z>Z|UTC|GMT|\(offset))", "Zone offset"),
            "Z": ("(?P<Z>Z|[A-Z]{3,5})", "Zone name"),
            "k": (#" ?(?P<H>[0-2]?\d)"#, "%k"),
            "l": (#" ?(?P<I>1?\d)"#, "%l"),
            // Seconds since the epoch (an extension: Python's strptime has no %s).
            "s": (#"(?P<s>\d{1,12})"#, "Epoch"),
            "c": (
                #"(?P<a>\#(weekdays))\s+(?P<b>\#(months))\s+\#(locale)\s+(?P<H>2[0-3]|[0-1]\d|\d):(?P<M>[0-5]\d|\d):(?P<S>6[0-1]|[0-5]\d|\d)\s+(?P<Y>\d\d\d\d)"#,
                "%c"),
            "x": (#"(?P<m>1[0-2]|0[1-9]|[1-9])/\#(locale)/(?P<y>\d\d)"#, "%x"),
            "X": (#"(?P<H>2[0-3]|[0-1]\d|\d):(?P<M>[0-5]\d|\d):(?P<S>6[0-1]|[0-5]\d|\d)"#, "%X"),
            "ExY": (#"(?P<Y>20\#(decades)\d)"#, "ExYear"),
            "Exy": (#"(?P<y>\d{2})"#, "ExYear2"),
            "Exm": ("(?P<m>0[1-9]|1[0-2])", "ExMonth"),
            "Exd": (#"(?P<d>[1-2]\d|0[1-9]|3[0-1])"#, "ExDay"),
            "ExH": (#"(?P<H>[0-1]\d|2[0-3])"#, "Ex24hour"),
            "ExM": (#"(?P<M>[0-5]\d)"#, "ExMinute"),
            "ExS": (#"(?P<S>[0-5]\d|6[0-1])"#, "ExSecond"),
            "Exk": (#" ?(?P<H>[0-1]?\d|2[0-3])"#, "%Exk"),
            "Exl": (#" ?(?P<I>1[0-2]|\d)"#, "%Exl"),
            "ExZ": ("(?P<Z>\(zoneAbbreviation))", "ExZone name"),
            "Exz": ("(?P<z>(?:\(zoneAbbreviation))?\(offset)|\(zoneAbbreviation))", "ExZone offset"),
        ]
        return table.mapValues { Directive(regex: $0.0, name: $0.1) }
    }
}
