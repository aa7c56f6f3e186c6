/// `21/Jun/2005:16:47:46 +0200`, `26-Jul-2007 15:20:52.252`: the web-server template
/// `%d(?P<_sep>[-/])%b(?P=_sep)%ExY[ :]?%H:%M:%S(?:\.%f)?(?: %z)?`, matched case-insensitively.
enum FastApacheDate {
    static func parse(_ scan: inout ByteScan, at start: Int, matcher: FastDateMatcher) -> (end: Int, fields: DateFields)? {
        let days = scan.dayChoices(start)
        for dayIndex in 0..<days.count {
            let day = days[dayIndex]
            let separator = scan.at(day.end)
            guard separator == 0x2D || separator == 0x2F,
                  let month = DateNames.monthNumber(scan.at(day.end + 1), scan.at(day.end + 2), scan.at(day.end + 3)),
                  scan.at(day.end + 4) == separator,
                  let year = matcher.exactYear(&scan, at: day.end + 5)
            else { continue }
            let afterYear = day.end + 9
            var timeStarts = Choices()
            let between = scan.at(afterYear)
            if between == 0x20 || between == 0x3A { timeStarts.add(afterYear + 1) }
            timeStarts.add(afterYear)
            for timeIndex in 0..<timeStarts.count {
                guard let time = scan.clockTime(at: timeStarts[timeIndex].end, hours: .hour24, rest: { tail(&$0, at: $1) }) else { continue }
                var fields = DateFields(
                    year: year, month: month, day: day.value, hour: time.hour, minute: time.minute, second: time.second,
                    microsecond: time.rest.microsecond)
                fields.applyZone(time.rest.zone)
                return (time.rest.end, fields)
            }
        }
        return nil
    }

    /// The regex's first choice at every step for the plain shape `dd/Mmm/YYYY:hh:mm:ss`
    /// (or `-`, space): when it succeeds it is the match; nil sends the caller to `parse`.
    @inline(__always)
    static func quick(_ scan: inout ByteScan, at start: Int, matcher: FastDateMatcher) -> (end: Int, fields: DateFields)? {
        let separator = scan.at(start + 2)
        guard let day = ByteScan.plainDay(scan.at(start), scan.at(start + 1)),
              separator == 0x2D || separator == 0x2F,
              let month = DateNames.monthNumber(scan.at(start + 3), scan.at(start + 4), scan.at(start + 5)),
              scan.at(start + 6) == separator,
              let year = matcher.exactYear(&scan, at: start + 7)
        else { return nil }
        let between = scan.at(start + 11)
        guard between == 0x20 || between == 0x3A,
              let hour = FastISODate.plainHour(scan.at(start + 12), scan.at(start + 13)), scan.at(start + 14) == 0x3A,
              let minute = scan.plainTwoDigits(start + 15, firstMax: 0x35), scan.at(start + 17) == 0x3A,
              let second = scan.plainTwoDigits(start + 18, firstMax: 0x35),
              let tail = tail(&scan, at: start + 20)
        else { return nil }
        var fields = DateFields(
            year: year, month: month, day: day, hour: hour, minute: minute, second: second, microsecond: tail.microsecond)
        fields.applyZone(tail.zone)
        return (tail.end, fields)
    }

    /// `(?:\.(?P<f>[0-9]{1,6}))?(?: (?P<z>Z|UTC|GMT|[+-][01]\d(?::?\d{2})?))?` and the word end.
    @inline(__always)
    private static func tail(_ scan: inout ByteScan, at index: Int) -> (end: Int, microsecond: Int, zone: Int?)? {
        scan.fractionThenZone(at: index, marks: (0x2E, 0x2E)) { zone(&$0, at: $1) }
    }

    @inline(__always)
    private static func zone(_ scan: inout ByteScan, at index: Int) -> (end: Int, zone: Int?)? {
        if scan.at(index) == 0x20 {
            let zones = scan.zoneChoices(index + 1, caseless: true)
            for zoneIndex in 0..<zones.count {
                let zone = zones[zoneIndex]
                if scan.wordEndsAt(zone.end) { return (zone.end, zone.value) }
            }
        }
        if scan.wordEndsAt(index) { return (index, nil) }
        return nil
    }
}
