/// `Jun 21 16:47:46`, `Sun Jun 21 16:47:46.123 2005`: the BSD syslog / asctime template
/// `(?:%a )?%b %d %k:%M:%S(?:\.%f)?(?: %ExY)?`, matched case-insensitively.
enum FastSyslogDate {
    static func parse(_ scan: inout ByteScan, at start: Int, matcher: FastDateMatcher) -> (end: Int, fields: DateFields)? {
        // (?:(?P<a>mon|...|sun) )?  -- with the weekday first, then without.
        let hasWeekday = DateNames.weekdayNumber(scan.at(start), scan.at(start + 1), scan.at(start + 2)) != nil
            && scan.at(start + 3) == 0x20
        if hasWeekday, let found = afterWeekday(&scan, at: start + 4, matcher: matcher) { return found }
        return afterWeekday(&scan, at: start, matcher: matcher)
    }

    /// The regex's first choice at every step for the plain shape `Mmm dd hh:mm:ss` (day `dd`,
    /// ` d` or `0d`): when it succeeds it is the match; nil sends the caller to `parse`.
    @inline(__always)
    static func quick(_ scan: inout ByteScan, at start: Int, matcher: FastDateMatcher) -> (end: Int, fields: DateFields)? {
        guard let month = DateNames.monthNumber(scan.at(start), scan.at(start + 1), scan.at(start + 2)),
              scan.at(start + 3) == 0x20,
              let day = ByteScan.plainDay(scan.at(start + 4), scan.at(start + 5)),
              scan.at(start + 6) == 0x20,
              let hour = scan.plainTwoDigits(start + 7, firstMax: 0x32), scan.at(start + 9) == 0x3A,
              let minute = scan.plainTwoDigits(start + 10, firstMax: 0x35), scan.at(start + 12) == 0x3A,
              let second = scan.plainTwoDigits(start + 13, firstMax: 0x35),
              let tail = tail(&scan, at: start + 15, matcher: matcher)
        else { return nil }
        let fields = DateFields(
            year: tail.year, month: month, day: day, hour: hour, minute: minute, second: second, microsecond: tail.microsecond)
        return (tail.end, fields)
    }

    @inline(__always)
    private static func afterWeekday(_ scan: inout ByteScan, at index: Int, matcher: FastDateMatcher) -> (end: Int, fields: DateFields)? {
        guard let month = DateNames.monthNumber(scan.at(index), scan.at(index + 1), scan.at(index + 2)),
              scan.at(index + 3) == 0x20
        else { return nil }
        let days = scan.dayChoices(index + 4)
        for dayIndex in 0..<days.count {
            let day = days[dayIndex]
            // " " then the optional space of %k.
            guard scan.at(day.end) == 0x20 else { continue }
            var hourStarts = Choices()
            if scan.at(day.end + 1) == 0x20 { hourStarts.add(day.end + 2) }
            hourStarts.add(day.end + 1)
            for hourStartIndex in 0..<hourStarts.count {
                guard let time = scan.clockTime(at: hourStarts[hourStartIndex].end, hours: .spacePadded, rest: { tail(&$0, at: $1, matcher: matcher) }) else { continue }
                let fields = DateFields(
                    year: time.rest.year, month: month, day: day.value, hour: time.hour, minute: time.minute, second: time.second,
                    microsecond: time.rest.microsecond)
                return (time.rest.end, fields)
            }
        }
        return nil
    }

    /// `(?:\.(?P<f>[0-9]{1,6}))?(?: (?P<Y>%ExY))?` and the word end after it.
    @inline(__always)
    private static func tail(_ scan: inout ByteScan, at index: Int, matcher: FastDateMatcher) -> (end: Int, microsecond: Int, year: Int?)? {
        if scan.at(index) == 0x2E {
            var length = scan.digitRun(index + 1, limit: 6)
            while length > 0 {
                let fractionEnd = index + 1 + length
                if let found = year(&scan, at: fractionEnd, matcher: matcher) {
                    return (found.end, scan.microseconds(index + 1, length: length), found.year)
                }
                length -= 1
            }
        }
        if let found = year(&scan, at: index, matcher: matcher) { return (found.end, 0, found.year) }
        return nil
    }

    @inline(__always)
    private static func year(_ scan: inout ByteScan, at index: Int, matcher: FastDateMatcher) -> (end: Int, year: Int?)? {
        if scan.at(index) == 0x20, let year = matcher.exactYear(&scan, at: index + 1), scan.wordEndsAt(index + 5) {
            return (index + 5, year)
        }
        if scan.wordEndsAt(index) { return (index, nil) }
        return nil
    }
}
