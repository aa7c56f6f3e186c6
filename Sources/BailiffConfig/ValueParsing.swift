/// Durations and booleans as fail2ban configurations write them.
public enum ValueParsing {
    /// Seconds for `600`, `10m`, `1h30m`, `1h 30m`, `1d`, `1w`, `2 days`, `1mo`, `1y`, `-1`
    /// (`-1` is "forever" where the option allows it). Months and years count 1/12 and
    /// 365.25 days, as in fail2ban.
    public static func duration(_ text: String) throws(ConfigError) -> Double {
        let input = text.trimmingWhitespace().lowercased()
        guard !input.isEmpty else { throw ConfigError("expected a duration such as 600, 10m, 1h30m or 1d, found nothing") }
        if let plain = Double(input) { return plain }
        var total = 0.0
        var chars = Substring(input)
        var sign = 1.0
        var sawTerm = false
        while !chars.isEmpty {
            chars = chars.drop(while: { $0 == " " || $0 == "+" })
            if chars.first == "-" { sign = -1; chars = chars.dropFirst(); continue }
            let number = chars.prefix(while: { $0.isNumber || $0 == "." })
            guard !number.isEmpty, let amount = Double(number) else {
                throw ConfigError("expected a duration such as 600, 10m, 1h30m or 1d, found '\(text)'")
            }
            chars = chars.dropFirst(number.count).drop(while: { $0 == " " })
            let unit = chars.prefix(while: { $0.isLetter })
            chars = chars.dropFirst(unit.count)
            guard let factor = unitSeconds(String(unit)) else {
                throw ConfigError("unknown time unit '\(unit)' in '\(text)' (expected s, m, h, d, w, mo or y)")
            }
            total += sign * amount * factor
            sign = 1
            sawTerm = true
        }
        guard sawTerm else { throw ConfigError("expected a duration such as 600, 10m, 1h30m or 1d, found '\(text)'") }
        return total
    }

    static func unitSeconds(_ unit: String) -> Double? {
        switch unit {
        case "", "s", "sec", "secs", "second", "seconds": 1
        case "m", "mi", "min", "mins", "minute", "minutes": 60
        case "h", "hr", "hrs", "hour", "hours": 3600
        case "d", "day", "days": 86400
        case "w", "wk", "week", "weeks": 7 * 86400
        case "mo", "mon", "month", "months": 365.25 * 86400 / 12
        case "y", "yr", "year", "years": 365.25 * 86400
        default: nil
        }
    }

    public static func bool(_ text: String) throws(ConfigError) -> Bool {
        switch text.trimmingWhitespace().lowercased() {
        case "1", "yes", "true", "on", "y": true
        case "0", "no", "false", "off", "n", "": false
        default: throw ConfigError("expected a boolean (true/false, yes/no, on/off, 1/0), found '\(text)'")
        }
    }

    public static func integer(_ text: String) throws(ConfigError) -> Int {
        guard let value = Int(text.trimmingWhitespace()) else {
            throw ConfigError("expected a whole number, found '\(text)'")
        }
        return value
    }

    /// Splits a list written with spaces, commas or new lines.
    public static func words(_ text: String) -> [String] {
        text.split(whereSeparator: { $0 == " " || $0 == "," || $0 == "\n" || $0 == "\t" }).map(String.init)
    }
}
