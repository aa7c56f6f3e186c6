/// The parts of a date read from a log line, before conversion to epoch seconds. Fields the
/// line did not give read as nil (hour, minute and second default to zero, like strptime).
/// Stored compactly: it is copied a few times per line on the fast path.
struct DateFields: Sendable, Equatable {
    private static let unset = Int32.min

    private var storedYear = unset
    private var storedMonth = unset
    private var storedDay = unset
    private var storedHour: Int32 = 0
    private var storedMinute: Int32 = 0
    private var storedSecond: Int32 = 0
    private var storedMicrosecond: Int32 = 0
    private var storedZone = unset
    private var storedWeekday = unset
    private var storedDayOfYear = unset
    private var storedWeekOfYear = unset
    private var storedEpoch = Int64.min
    var weekStartsOnMonday = false
    /// The text matched but cannot be a date (unknown month name, zone, ...).
    var invalid = false

    init() {}

    /// A calendar date and clock time as the fast parsers read them.
    init(year: Int?, month: Int, day: Int, hour: Int, minute: Int, second: Int, microsecond: Int) {
        self.year = year
        self.month = month
        self.day = day
        self.hour = hour
        self.minute = minute
        self.second = second
        self.microsecond = microsecond
    }

    @inline(__always) private static func get(_ value: Int32) -> Int? { value == unset ? nil : Int(value) }
    @inline(__always) private static func store(_ value: Int?) -> Int32 {
        guard let value else { return unset }
        return Int32(clamping: max(value, Int(Int32.min) + 1))
    }

    var year: Int? { get { Self.get(storedYear) } set { storedYear = Self.store(newValue) } }
    var month: Int? { get { Self.get(storedMonth) } set { storedMonth = Self.store(newValue) } }
    var day: Int? { get { Self.get(storedDay) } set { storedDay = Self.store(newValue) } }
    var hour: Int { get { Int(storedHour) } set { storedHour = Self.store(newValue) } }
    var minute: Int { get { Int(storedMinute) } set { storedMinute = Self.store(newValue) } }
    var second: Int { get { Int(storedSecond) } set { storedSecond = Self.store(newValue) } }
    var microsecond: Int { get { Int(storedMicrosecond) } set { storedMicrosecond = Self.store(newValue) } }
    /// Explicit UTC offset of the text, minutes east.
    var zoneMinutes: Int? { get { Self.get(storedZone) } set { storedZone = Self.store(newValue) } }
    /// Monday = 0.
    var weekday: Int? { get { Self.get(storedWeekday) } set { storedWeekday = Self.store(newValue) } }
    var dayOfYear: Int? { get { Self.get(storedDayOfYear) } set { storedDayOfYear = Self.store(newValue) } }
    var weekOfYear: Int? { get { Self.get(storedWeekOfYear) } set { storedWeekOfYear = Self.store(newValue) } }
    /// `%s`: seconds since the epoch, which make every other field moot.
    var epochSeconds: Int? {
        get { storedEpoch == .min ? nil : Int(storedEpoch) }
        set { storedEpoch = newValue.map { Int64(max($0, Int(Int64.min) + 1)) } ?? .min }
    }
}

/// Names a date template's regex groups may carry, and what they mean.
enum DateFieldKey: UInt8, Sendable {
    case year4, year2, month, monthName, monthAbbreviation, day
    case hour24, hour12, ampm, minute, second, fraction
    case weekdayName, weekdayAbbreviation, weekdayNumber, dayOfYear, weekSunday, weekMonday
    case zoneOffset, zoneName, epochSeconds

    init?(groupName: String) {
        switch groupName {
        case "Y": self = .year4
        case "y": self = .year2
        case "m": self = .month
        case "B": self = .monthName
        case "b": self = .monthAbbreviation
        case "d": self = .day
        case "H": self = .hour24
        case "I": self = .hour12
        case "p": self = .ampm
        case "M": self = .minute
        case "S": self = .second
        case "f": self = .fraction
        case "A": self = .weekdayName
        case "a": self = .weekdayAbbreviation
        case "w": self = .weekdayNumber
        case "j": self = .dayOfYear
        case "U": self = .weekSunday
        case "W": self = .weekMonday
        case "z": self = .zoneOffset
        case "Z": self = .zoneName
        case "s": self = .epochSeconds
        default: return nil
        }
    }
}

enum DateNames {
    static let monthAbbreviations = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
    static let monthNames = ["january", "february", "march", "april", "may", "june", "july", "august",
                             "september", "october", "november", "december"]
    static let weekdayAbbreviations = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    static let weekdayNames = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]

    /// Month 1...12 of a 3-letter ASCII abbreviation in any case (packed lower-case key).
    @inline(__always)
    static func monthNumber(_ a: UInt8, _ b: UInt8, _ c: UInt8) -> Int? {
        let key = (UInt32(a | 0x20) << 16) | (UInt32(b | 0x20) << 8) | UInt32(c | 0x20)
        switch key {
        case 0x6A_616E: return 1  // jan
        case 0x66_6562: return 2  // feb
        case 0x6D_6172: return 3  // mar
        case 0x61_7072: return 4  // apr
        case 0x6D_6179: return 5  // may
        case 0x6A_756E: return 6  // jun
        case 0x6A_756C: return 7  // jul
        case 0x61_7567: return 8  // aug
        case 0x73_6570: return 9  // sep
        case 0x6F_6374: return 10 // oct
        case 0x6E_6F76: return 11 // nov
        case 0x64_6563: return 12 // dec
        default: return nil
        }
    }

    /// Weekday 0 (Monday)...6 of a 3-letter ASCII abbreviation in any case.
    @inline(__always)
    static func weekdayNumber(_ a: UInt8, _ b: UInt8, _ c: UInt8) -> Int? {
        let key = (UInt32(a | 0x20) << 16) | (UInt32(b | 0x20) << 8) | UInt32(c | 0x20)
        switch key {
        case 0x6D_6F6E: return 0 // mon
        case 0x74_7565: return 1 // tue
        case 0x77_6564: return 2 // wed
        case 0x74_6875: return 3 // thu
        case 0x66_7269: return 4 // fri
        case 0x73_6174: return 5 // sat
        case 0x73_756E: return 6 // sun
        default: return nil
        }
    }
}

/// Reads the named groups of a regex match into `DateFields`, with Python's rules: group order
/// decides when two groups set the same field, `int()` tolerates surrounding white space and any
/// Unicode decimal digits, names compare after lower-casing.
enum DateFieldReader {
    static func read(
        groups: [DateTemplate.FieldGroup],
        ampmGroupPresent: Bool,
        text: (Int) -> UnsafeBufferPointer<UInt8>?
    ) -> DateFields {
        var fields = DateFields()
        func ampm() -> UnsafeBufferPointer<UInt8>?? {
            guard let entry = groups.first(where: { $0.key == .ampm }) else { return .none }
            return .some(text(entry.group))
        }
        for field in groups {
            let key = field.key
            let group = field.group
            guard let value = text(group) else { continue }
            switch key {
            case .year4:
                guard let number = integer(value) else { fields.invalid = true; continue }
                fields.year = number
            case .year2:
                guard var number = integer(value) else { fields.invalid = true; continue }
                if number <= 2000 { number += 2000 }
                fields.year = number
            case .month:
                guard let number = integer(value) else { fields.invalid = true; continue }
                fields.month = number
            case .monthName:
                guard let index = DateNames.monthNames.firstIndex(of: lowercased(value)) else { fields.invalid = true; continue }
                fields.month = index + 1
            case .monthAbbreviation:
                if value.count == 3, let number = DateNames.monthNumber(value[0], value[1], value[2]), value.allSatisfy({ $0 < 0x80 }) {
                    fields.month = number
                } else if let index = DateNames.monthAbbreviations.firstIndex(of: lowercased(value)) {
                    fields.month = index + 1
                } else {
                    fields.invalid = true
                }
            case .day:
                guard let number = integer(value) else { fields.invalid = true; continue }
                fields.day = number
            case .hour24:
                guard let number = integer(value) else { fields.invalid = true; continue }
                fields.hour = number
            case .hour12:
                guard var number = integer(value) else { fields.invalid = true; continue }
                let marker: String
                if ampmGroupPresent {
                    // The group exists: when it did not take part, fail2ban stumbles (no time).
                    guard case .some(.some(let markerText)) = ampm() else { fields.invalid = true; continue }
                    marker = lowercased(markerText)
                } else {
                    marker = ""
                }
                if marker == "" || marker == "am" {
                    if number == 12 { number = 0 }
                } else if marker == "pm" {
                    if number != 12 { number += 12 }
                }
                fields.hour = number
            case .ampm:
                continue
            case .minute:
                guard let number = integer(value) else { fields.invalid = true; continue }
                fields.minute = number
            case .second:
                guard let number = integer(value) else { fields.invalid = true; continue }
                fields.second = number
            case .fraction:
                guard let number = integer(value) else { fields.invalid = true; continue }
                var digits = value.count
                var micro = number
                while digits < 6 { micro *= 10; digits += 1 }
                while digits > 6 { micro /= 10; digits -= 1 }
                fields.microsecond = micro
            case .weekdayName:
                guard let index = DateNames.weekdayNames.firstIndex(of: lowercased(value)) else { fields.invalid = true; continue }
                fields.weekday = index
            case .weekdayAbbreviation:
                guard let index = DateNames.weekdayAbbreviations.firstIndex(of: lowercased(value)) else { fields.invalid = true; continue }
                fields.weekday = index
            case .weekdayNumber:
                guard let number = integer(value) else { fields.invalid = true; continue }
                fields.weekday = number - 1 < 0 ? 6 : number - 1
            case .dayOfYear:
                guard let number = integer(value) else { fields.invalid = true; continue }
                fields.dayOfYear = number
            case .weekSunday, .weekMonday:
                guard let number = integer(value) else { fields.invalid = true; continue }
                fields.weekOfYear = number
                fields.weekStartsOnMonday = key == .weekMonday
            case .zoneOffset, .zoneName:
                if isLiteralUTC(value) {
                    fields.zoneMinutes = 0
                } else if let minutes = TimeZoneOffsets.minutes(forZone: value) {
                    fields.zoneMinutes = minutes
                } else {
                    fields.invalid = true
                }
            case .epochSeconds:
                guard let number = integer(value) else { fields.invalid = true; continue }
                fields.epochSeconds = number
            }
        }
        return fields
    }

    /// Python `int(text)`: optional white space around, optional sign, decimal digits of any
    /// script.
    static func integer(_ bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        if bytes.allSatisfy({ $0 < 0x80 }) {
            var index = bytes.startIndex
            var end = bytes.endIndex
            while index < end, isASCIISpace(bytes[index]) { index += 1 }
            while end > index, isASCIISpace(bytes[end - 1]) { end -= 1 }
            var negative = false
            if index < end, bytes[index] == UInt8(ascii: "-") || bytes[index] == UInt8(ascii: "+") {
                negative = bytes[index] == UInt8(ascii: "-")
                index += 1
            }
            guard index < end, end - index <= 18 else { return nil }
            var value = 0
            while index < end {
                let digit = Int(bytes[index]) - 0x30
                guard digit >= 0 && digit <= 9 else { return nil }
                value = value * 10 + digit
                index += 1
            }
            return negative ? -value : value
        }
        let text = String(decoding: bytes, as: UTF8.self)
        var scalars = Substring(text).unicodeScalars.drop(while: { $0.properties.isWhitespace })
        while let last = scalars.last, last.properties.isWhitespace { scalars = scalars.dropLast() }
        var negative = false
        if let first = scalars.first, first == "-" || first == "+" {
            negative = first == "-"
            scalars = scalars.dropFirst()
        }
        guard !scalars.isEmpty, scalars.count <= 18 else { return nil }
        var value = 0
        for scalar in scalars {
            guard scalar.properties.numericType == .decimal, let digit = scalar.properties.numericValue else { return nil }
            value = value * 10 + Int(digit)
        }
        return negative ? -value : value
    }

    static func lowercased(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        String(decoding: bytes, as: UTF8.self).lowercased()
    }

    /// `Z`, `UTC` or `GMT`, exactly.
    static func isLiteralUTC(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        switch bytes.count {
        case 1: return bytes[0] == UInt8(ascii: "Z")
        case 3:
            return (bytes[0] == UInt8(ascii: "U") && bytes[1] == UInt8(ascii: "T") && bytes[2] == UInt8(ascii: "C"))
                || (bytes[0] == UInt8(ascii: "G") && bytes[1] == UInt8(ascii: "M") && bytes[2] == UInt8(ascii: "T"))
        default: return false
        }
    }

    @inline(__always)
    static func isASCIISpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || (byte >= 0x09 && byte <= 0x0D) || (byte >= 0x1C && byte <= 0x1F)
    }
}
