/// Turns `DateFields` into epoch seconds the way fail2ban does:
///
/// - no year: the year of "now"; if the result is more than a day after now, the year before
///   (month, day and time of day kept);
/// - no month and day: today; if the result is after now, yesterday;
/// - `%j`, or week of year and weekday, give month and day;
/// - an explicit zone in the text wins, else the configured log time zone, else local time
///   (the process `TZ`, resolved like `mktime` with `tm_isdst = -1`);
/// - impossible dates (Feb 30, hour 24, second 60, year 0, ...) give nil.
///
/// Unlike fail2ban (which drops them), fractional seconds are kept.
struct DateConverter {
    let now: @Sendable () -> Double
    /// `logtimezone` of the filter, minutes east of UTC.
    let defaultZoneMinutes: Int?
    var localTime = LocalTimeConverter()

    /// "Now" cache: within [nowFrom, nowUntil) the UTC offset and the local date stay the same.
    private var nowFrom = 1.0
    private var nowUntil = 0.0
    private var nowOffset = 0.0
    private var nowDate = (year: 0, month: 0, day: 0)

    init(now: @escaping @Sendable () -> Double, defaultZoneMinutes: Int?) {
        self.now = now
        self.defaultZoneMinutes = defaultZoneMinutes
    }

    /// "Now" as naive local seconds (a wall-clock reading written as if it were UTC), and its
    /// civil date.
    @inline(__always)
    private mutating func naiveNow() -> (seconds: Double, year: Int, month: Int, day: Int) {
        let epoch = now()
        if !(epoch >= nowFrom && epoch < nowUntil) { refreshNow(epoch) }
        return (epoch + nowOffset, nowDate.year, nowDate.month, nowDate.day)
    }

    private mutating func refreshNow(_ epoch: Double) {
        guard epoch.isFinite, abs(epoch) < 1e15 else {
            nowOffset = 0
            nowDate = (1970, 1, 1)
            return
        }
        let second = Int(epoch.rounded(.down))
        let offset = localTime.utcOffset(atEpoch: epoch)
        let day = CivilCalendar.floorDiv(second + offset, 86_400)
        nowDate = CivilCalendar.civilDate(dayNumber: day)
        nowOffset = Double(offset)
        // Valid for the rest of this minute (offsets change on minute boundaries at most) and
        // of this local day.
        let minuteStart = CivilCalendar.floorDiv(second, 60) * 60
        let dayStart = day * 86_400 - offset
        nowFrom = Double(max(minuteStart, dayStart))
        nowUntil = Double(min(minuteStart + 60, dayStart + 86_400))
    }

    /// The last conversion, and the span of "now" (epoch seconds) over which it holds.
    private var lastFields = DateFields()
    private var lastResult: Double?
    private var lastValidFrom = 1.0
    private var lastValidUntil = 0.0

    /// Consecutive lines mostly carry the same date: the last answer is reused while the
    /// fields are the same and "now" has not moved across anything the answer depends on.
    mutating func epochSeconds(_ fields: DateFields) -> Double? {
        if fields == lastFields {
            if lastValidFrom == -.infinity && lastValidUntil == .infinity { return lastResult }
            let epoch = now()
            if epoch >= lastValidFrom && epoch < lastValidUntil { return lastResult }
        }
        var validFrom = -Double.infinity
        var validUntil = Double.infinity
        let result = convert(fields, validFrom: &validFrom, validUntil: &validUntil)
        lastFields = fields
        lastResult = result
        lastValidFrom = validFrom
        lastValidUntil = validUntil
        return result
    }

    /// `epochSeconds` of the fields converted last, which the caller knows the line repeats:
    /// spares comparing them.
    mutating func epochSecondsOfLastFields() -> Double? {
        if lastValidFrom == -.infinity && lastValidUntil == .infinity { return lastResult }
        let epoch = now()
        if epoch >= lastValidFrom && epoch < lastValidUntil { return lastResult }
        return epochSeconds(lastFields)
    }

    /// - Parameters: validFrom, validUntil: narrowed to the epoch span of "now" within which
    ///   the answer stays the same.
    private mutating func convert(_ fields: DateFields, validFrom: inout Double, validUntil: inout Double) -> Double? {
        // "Now" gives its date and UTC offset, which hold over its bucket.
        func naiveNow() -> (seconds: Double, year: Int, month: Int, day: Int) {
            let value = self.naiveNow()
            if value.seconds.isFinite, abs(value.seconds) < 1e15 {
                validFrom = max(validFrom, nowFrom)
                validUntil = min(validUntil, nowUntil)
            } else {
                validFrom = .infinity
            }
            return value
        }
        // The answer depended on whether naive > now (as naive seconds) + margin; a
        // millisecond off the exact edge, rounding cannot tell the two sides apart.
        func dependsOn(naive: Int, margin: Double, held: Bool) {
            let edge = Double(naive) - margin - nowOffset
            if held { validUntil = min(validUntil, edge - 0.001) } else { validFrom = max(validFrom, edge + 0.001) }
        }
        if fields.invalid { return nil }
        if let epoch = fields.epochSeconds { return Double(epoch) + Double(fields.microsecond) / 1e6 }
        var current: (seconds: Double, year: Int, month: Int, day: Int)?

        var assumeYear = false
        let year: Int
        if let given = fields.year {
            year = given
        } else {
            let value = naiveNow()
            current = value
            year = value.year
            assumeYear = true
        }
        var resolvedYear = year
        var month = fields.month
        var day = fields.day
        if month == nil || day == nil {
            var dayOfYear = fields.dayOfYear
            if dayOfYear == nil, let week = fields.weekOfYear, let weekday = fields.weekday {
                dayOfYear = DateConverter.dayOfYear(year: year, week: week, weekday: weekday, weekStartsOnMonday: fields.weekStartsOnMonday)
            }
            if let dayOfYear {
                guard year >= 1 && year <= 9999 else { return nil }
                let dayNumber = CivilCalendar.dayNumber(year: year, month: 1, day: 1) + dayOfYear - 1
                let date = CivilCalendar.civilDate(dayNumber: dayNumber)
                guard date.year >= 1 && date.year <= 9999 else { return nil }
                resolvedYear = date.year
                month = date.month
                day = date.day
            }
        }
        var assumeToday = false
        if month == nil && day == nil {
            let value = current ?? naiveNow()
            current = value
            month = value.month
            day = value.day
            assumeToday = true
        }
        guard let month, let day,
              resolvedYear >= 1, resolvedYear <= 9999, month >= 1, month <= 12,
              day >= 1, day <= CivilCalendar.daysInMonth(month, year: resolvedYear),
              fields.hour >= 0, fields.hour <= 23, fields.minute >= 0, fields.minute <= 59,
              fields.second >= 0, fields.second <= 59
        else { return nil }

        let secondOfDay = fields.hour * 3600 + fields.minute * 60 + fields.second
        var naive = CivilCalendar.dayNumber(year: resolvedYear, month: month, day: day) * 86_400 + secondOfDay
        let zone = fields.zoneMinutes ?? defaultZoneMinutes
        if let zone { naive -= zone * 60 }

        if assumeToday {
            let value = current ?? naiveNow()
            current = value
            let later = Double(naive) > value.seconds
            dependsOn(naive: naive, margin: 0, held: later)
            if later { naive -= 86_400 }
        }
        if assumeYear {
            let value = current ?? naiveNow()
            let later = Double(naive) > value.seconds + 86_400
            dependsOn(naive: naive, margin: 86_400, held: later)
            if later {
                // Last year, same month and day, same time of day as computed so far.
                let previousYear = resolvedYear - 1
                guard previousYear >= 1, day <= CivilCalendar.daysInMonth(month, year: previousYear) else { return nil }
                let timeOfDay = naive - CivilCalendar.floorDiv(naive, 86_400) * 86_400
                naive = CivilCalendar.dayNumber(year: previousYear, month: month, day: day) * 86_400 + timeOfDay
            }
        }
        let epoch = zone != nil ? naive : localTime.epoch(fromNaiveLocal: naive)
        if fields.microsecond == 0 { return Double(epoch) }
        return Double(epoch) + Double(fields.microsecond) / 1e6
    }

    /// Day of the year (1-based, may fall outside the year) from a week number and weekday.
    static func dayOfYear(year: Int, week: Int, weekday: Int, weekStartsOnMonday: Bool) -> Int? {
        guard year >= 1 && year <= 9999 else { return nil }
        var firstWeekday = CivilCalendar.weekday(dayNumber: CivilCalendar.dayNumber(year: year, month: 1, day: 1))
        var dayOfWeek = weekday
        if !weekStartsOnMonday {
            firstWeekday = (firstWeekday + 1) % 7
            dayOfWeek = (dayOfWeek + 1) % 7
        }
        let firstWeekLength = (7 - firstWeekday) % 7
        if week == 0 { return 1 + dayOfWeek - firstWeekday }
        return 1 + firstWeekLength + 7 * (week - 1) + dayOfWeek
    }
}
