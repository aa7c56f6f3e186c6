/// `2005-06-21 16:47:46,123`, `2005-06-21T16:47:46.123456+02:00`, `2005/06/21 16:47:46 UTC`: the
/// ISO 8601 / application template
/// `%ExY(?P<_sep>[-/.])%m(?P=_sep)%d(?:T|  ?)%H:%M:%S(?:[.,]%f)?(?:\s*%z)?` (case-sensitive),
/// or its `[T ]` variant used by several filters.
enum FastISODate {
    static func parse(_ scan: inout ByteScan, at start: Int, singleSeparator: Bool, matcher: FastDateMatcher) -> (end: Int, fields: DateFields)? {
        guard let year = matcher.exactYear(&scan, at: start) else { return nil }
        let separator = scan.at(start + 4)
        guard separator == 0x2D || separator == 0x2F || separator == 0x2E else { return nil }
        // (?P<m>0?[1-9]|1[0-2])
        var months = Choices()
        let m0 = scan.at(start + 5)
        let m1 = scan.at(start + 6)
        if m0 == 0x30, m1 >= 0x31 && m1 <= 0x39 { months.add(start + 7, Int(m1 - 0x30)) }
        if m0 >= 0x31 && m0 <= 0x39 { months.add(start + 6, Int(m0 - 0x30)) }
        if m0 == 0x31, m1 >= 0x30 && m1 <= 0x32 { months.add(start + 7, 10 + Int(m1 - 0x30)) }
        for monthIndex in 0..<months.count {
            let month = months[monthIndex]
            guard scan.at(month.end) == separator else { continue }
            let days = scan.dayChoices(month.end + 1)
            for dayIndex in 0..<days.count {
                let day = days[dayIndex]
                var timeStarts = Choices()
                let between = scan.at(day.end)
                if singleSeparator {
                    if between == 0x54 || between == 0x20 { timeStarts.add(day.end + 1) }
                } else if between == 0x54 {
                    timeStarts.add(day.end + 1)
                } else if between == 0x20 {
                    if scan.at(day.end + 1) == 0x20 { timeStarts.add(day.end + 2) }
                    timeStarts.add(day.end + 1)
                }
                for timeIndex in 0..<timeStarts.count {
                    guard let time = scan.clockTime(at: timeStarts[timeIndex].end, hours: .hour24, rest: { tail(&$0, at: $1) }) else { continue }
                    var fields = DateFields(
                        year: year, month: month.value, day: day.value, hour: time.hour, minute: time.minute, second: time.second,
                        microsecond: time.rest.microsecond)
                    fields.applyZone(time.rest.zone)
                    return (time.rest.end, fields)
                }
            }
        }
        return nil
    }

    /// The regex's first choice at every step for the plain shape `YYYY-MM-DD[T ]hh:mm:ss`
    /// (two-digit fields): when it succeeds it is the match; nil sends the caller to `parse`.
    @inline(__always)
    static func quick(_ scan: inout ByteScan, at start: Int, singleSeparator: Bool, matcher: FastDateMatcher) -> (end: Int, fields: DateFields)? {
        guard let year = matcher.exactYear(&scan, at: start) else { return nil }
        let separator = scan.at(start + 4)
        guard separator == 0x2D || separator == 0x2F || separator == 0x2E,
              let month = plainMonth(scan.at(start + 5), scan.at(start + 6)),
              scan.at(start + 7) == separator,
              let day = ByteScan.plainDay(scan.at(start + 8), scan.at(start + 9))
        else { return nil }
        let between = scan.at(start + 10)
        guard between == 0x54 || (between == 0x20 && scan.at(start + 11) != 0x20),
              let hour = plainHour(scan.at(start + 11), scan.at(start + 12)), scan.at(start + 13) == 0x3A,
              let minute = scan.plainTwoDigits(start + 14, firstMax: 0x35), scan.at(start + 16) == 0x3A,
              let second = scan.plainTwoDigits(start + 17, firstMax: 0x35),
              let tail = tail(&scan, at: start + 19)
        else { return nil }
        var fields = DateFields(
            year: year, month: month, day: day, hour: hour, minute: minute, second: second, microsecond: tail.microsecond)
        fields.applyZone(tail.zone)
        return (tail.end, fields)
    }

    /// `0m` or `1[0-2]` (the one-character choice `1` fails on the separator check).
    @inline(__always)
    static func plainMonth(_ first: UInt8, _ second: UInt8) -> Int? {
        if first == 0x30, second >= 0x31 && second <= 0x39 { return Int(second - 0x30) }
        if first == 0x31, second >= 0x30 && second <= 0x32 { return 10 + Int(second - 0x30) }
        return nil
    }

    /// `[0-1]\d` or `2[0-3]` (the one-character choice `2` fails on the colon check).
    @inline(__always)
    static func plainHour(_ first: UInt8, _ second: UInt8) -> Int? {
        guard second >= 0x30 && second <= 0x39 else { return nil }
        if first == 0x30 || first == 0x31 { return Int(first - 0x30) * 10 + Int(second - 0x30) }
        if first == 0x32, second <= 0x33 { return 20 + Int(second - 0x30) }
        return nil
    }

    /// `(?:[.,](?P<f>[0-9]{1,6}))?(?:\s*(?P<z>Z|UTC|GMT|[+-][01]\d(?::?\d{2})?))?` and the word end.
    @inline(__always)
    private static func tail(_ scan: inout ByteScan, at index: Int) -> (end: Int, microsecond: Int, zone: Int?)? {
        scan.fractionThenZone(at: index, marks: (0x2E, 0x2C)) { zone(&$0, at: $1) }
    }

    @inline(__always)
    private static func zone(_ scan: inout ByteScan, at index: Int) -> (end: Int, zone: Int?)? {
        var spaces = 0
        while ByteScan.isSpace(scan.at(index + spaces)) { spaces += 1 }
        // Every zone spelling starts with one of these; the white space before cannot.
        switch scan.at(index + spaces) {
        case 0x5A, 0x55, 0x47, 0x2B, 0x2D: break  // Z U G + -
        default: return scan.wordEndsAt(index) ? (index, nil) : nil
        }
        while spaces >= 0 {
            let zones = scan.zoneChoices(index + spaces, caseless: false)
            for zoneIndex in 0..<zones.count {
                let zone = zones[zoneIndex]
                if scan.wordEndsAt(zone.end) { return (zone.end, zone.value) }
            }
            spaces -= 1
        }
        if scan.wordEndsAt(index) { return (index, nil) }
        return nil
    }
}
