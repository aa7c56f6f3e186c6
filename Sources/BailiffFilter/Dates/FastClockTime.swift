/// The parts the fast date matchers share: `hh:mm:ss` with the regex's own order of
/// choices, an optional fraction before a zone, and applying a matched zone.
extension ByteScan {
    /// The hour forms of fail2ban's templates.
    enum HourForm {
        /// `%H`: `[0-1]?\d|2[0-3]`
        case hour24
        /// `%k`: `[0-2]?\d`
        case spacePadded
    }

    /// `hh:mm:ss` at `start`, trying each choice of hour, minute and second in the regex's
    /// order and handing the position after the seconds to `rest`; the first choice that
    /// `rest` accepts wins, as backtracking would decide.
    @inline(__always)
    mutating func clockTime<Rest>(
        at start: Int, hours form: HourForm, rest: (inout ByteScan, Int) -> Rest?
    ) -> (hour: Int, minute: Int, second: Int, rest: Rest)? {
        let hours = form == .hour24
            ? twoDigitChoices(start, optionalFirstMax: 0x31, alternativeFirst: 0x32, alternativeSecondMax: 0x33)
            : twoDigitChoices(start, optionalFirstMax: 0x32)
        for hourIndex in 0..<hours.count {
            let hour = hours[hourIndex]
            guard at(hour.end) == 0x3A else { continue }
            let minutes = twoDigitChoices(hour.end + 1, optionalFirstMax: 0x35)
            for minuteIndex in 0..<minutes.count {
                let minute = minutes[minuteIndex]
                guard at(minute.end) == 0x3A else { continue }
                // %S: [0-5]?\d|6[0-1]
                let seconds = twoDigitChoices(minute.end + 1, optionalFirstMax: 0x35, alternativeFirst: 0x36, alternativeSecondMax: 0x31)
                for secondIndex in 0..<seconds.count {
                    let second = seconds[secondIndex]
                    if let found = rest(&self, second.end) { return (hour.value, minute.value, second.value, found) }
                }
            }
        }
        return nil
    }

    /// `(?:[marks](?P<f>[0-9]{1,6}))?` followed by what `zone` accepts, giving back fraction
    /// digits one by one as the regex would.
    @inline(__always)
    mutating func fractionThenZone(
        at index: Int, marks: (UInt8, UInt8), zone: (inout ByteScan, Int) -> (end: Int, zone: Int?)?
    ) -> (end: Int, microsecond: Int, zone: Int?)? {
        let mark = at(index)
        if mark == marks.0 || mark == marks.1 {
            var length = digitRun(index + 1, limit: 6)
            while length > 0 {
                if let found = zone(&self, index + 1 + length) {
                    return (found.end, microseconds(index + 1, length: length), found.zone)
                }
                length -= 1
            }
        }
        if let found = zone(&self, index) { return (found.end, 0, found.zone) }
        return nil
    }
}

extension DateFields {
    /// Records a zone from `zoneChoices`: minutes east of UTC, or `Int.min` for a spelling
    /// fail2ban cannot convert (the date is then invalid).
    mutating func applyZone(_ zone: Int?) {
        guard let zone else { return }
        if zone == Int.min { invalid = true } else { zoneMinutes = zone }
    }
}
