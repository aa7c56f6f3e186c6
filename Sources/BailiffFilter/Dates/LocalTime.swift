#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Proleptic Gregorian calendar arithmetic on day numbers (days since 1970-01-01).
enum CivilCalendar {
    @inline(__always)
    static func isLeapYear(_ year: Int) -> Bool {
        (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
    }

    @inline(__always)
    static func daysInMonth(_ month: Int, year: Int) -> Int {
        switch month {
        case 2: return isLeapYear(year) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Day number of a civil date; the month is 1...12.
    @inline(__always)
    static func dayNumber(year: Int, month: Int, day: Int) -> Int {
        // Count years from March so that the leap day is the last day of the "year".
        let shiftedYear = month <= 2 ? year - 1 : year
        let era = (shiftedYear >= 0 ? shiftedYear : shiftedYear - 399) / 400
        let yearOfEra = shiftedYear - era * 400
        let monthFromMarch = month > 2 ? month - 3 : month + 9
        let dayOfYear = (153 * monthFromMarch + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// Civil date of a day number.
    @inline(__always)
    static func civilDate(dayNumber: Int) -> (year: Int, month: Int, day: Int) {
        let shifted = dayNumber + 719_468
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthFromMarch = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthFromMarch + 2) / 5 + 1
        let month = monthFromMarch < 10 ? monthFromMarch + 3 : monthFromMarch - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        return (year, month, day)
    }

    /// Monday = 0 ... Sunday = 6, like Python's `date.weekday()`.
    @inline(__always)
    static func weekday(dayNumber: Int) -> Int {
        // 1970-01-01 was a Thursday (3).
        let value = (dayNumber + 3) % 7
        return value < 0 ? value + 7 : value
    }

    @inline(__always)
    static func floorDiv(_ value: Int, _ divisor: Int) -> Int {
        let quotient = value / divisor
        return (value % divisor != 0 && (value < 0) != (divisor < 0)) ? quotient - 1 : quotient
    }
}

/// Local time of the process time zone (`TZ`, read by `tzset` when the converter is made),
/// with caches so that converting a log time costs arithmetic, not a libc call per line.
///
/// "Naive" seconds are a wall-clock reading expressed as if it were UTC: day number * 86400 +
/// seconds of the day. Converting naive local seconds to epoch seconds subtracts the UTC offset in
/// force on that day; days on which the offset changes are handed to `mktime` every time.
struct LocalTimeConverter {
    private struct DayEntry {
        var day: Int = .min
        /// UTC offsets in force at the first and at the last second of the day (equal on all but
        /// the days with a transition).
        var startOffset = 0
        var endOffset = 0
    }

    private var dayA = DayEntry()
    private var dayB = DayEntry()
    private var replaceA = true
    /// Offset of the last conversion. `mktime` remembers it too and, for a wall-clock time that
    /// occurs twice (when clocks go back), answers the occurrence nearest to it; so does this.
    private var lastOffset = 0

    /// UTC offset cache for "now": valid for the epoch-second range [offsetFrom, offsetUntil).
    private var offsetFrom = 1
    private var offsetUntil = 0
    private var cachedOffset = 0

    init() {
        tzset()
    }

    /// Epoch seconds of a local wall-clock time, like `mktime` with `tm_isdst = -1`.
    mutating func epoch(fromNaiveLocal naive: Int) -> Int {
        let day = CivilCalendar.floorDiv(naive, 86_400)
        let entry: DayEntry
        if dayA.day == day {
            entry = dayA
        } else if dayB.day == day {
            entry = dayB
        } else {
            entry = LocalTimeConverter.dayEntry(day)
            if replaceA { dayA = entry } else { dayB = entry }
            replaceA.toggle()
        }
        if entry.startOffset == entry.endOffset {
            lastOffset = entry.startOffset
            return naive - entry.startOffset
        }
        // A transition day: the time may exist once, twice or not at all.
        let early = naive - entry.startOffset
        let late = naive - entry.endOffset
        let earlyValid = LocalTimeConverter.offset(at: early) == entry.startOffset
        let lateValid = LocalTimeConverter.offset(at: late) == entry.endOffset
        let result: Int
        switch (earlyValid, lateValid) {
        case (true, true):
            result = abs(entry.startOffset - lastOffset) <= abs(entry.endOffset - lastOffset) ? early : late
        case (true, false): result = early
        case (false, true): result = late
        case (false, false): result = early  // skipped hour: read with the offset before the jump
        }
        // mktime keeps the offset it applied, which for a skipped time is not the one in force.
        lastOffset = naive - result
        return result
    }

    /// UTC offset (seconds east) in force at an epoch time, like `localtime_r(...).tm_gmtoff`.
    mutating func utcOffset(atEpoch epoch: Double) -> Int {
        let second = Int(epoch.rounded(.down))
        if second >= offsetFrom && second < offsetUntil { return cachedOffset }
        let minuteStart = CivilCalendar.floorDiv(second, 60) * 60
        cachedOffset = LocalTimeConverter.offset(at: second)
        offsetFrom = minuteStart
        offsetUntil = minuteStart + 60
        return cachedOffset
    }

    private static func dayEntry(_ day: Int) -> DayEntry {
        let naiveStart = day * 86_400
        let naiveEnd = naiveStart + 86_399
        return DayEntry(day: day,
                        startOffset: naiveStart - mktimeNaive(naiveStart),
                        endOffset: naiveEnd - mktimeNaive(naiveEnd))
    }

    static func offset(at epoch: Int) -> Int {
        var seconds = time_t(epoch)
        var broken = tm()
        guard localtime_r(&seconds, &broken) != nil else { return 0 }
        return Int(broken.tm_gmtoff)
    }

    static func mktimeNaive(_ naive: Int) -> Int {
        let day = CivilCalendar.floorDiv(naive, 86_400)
        let secondOfDay = naive - day * 86_400
        let date = CivilCalendar.civilDate(dayNumber: day)
        var broken = tm()
        broken.tm_year = Int32(truncatingIfNeeded: date.year - 1900)
        broken.tm_mon = Int32(date.month - 1)
        broken.tm_mday = Int32(date.day)
        broken.tm_hour = Int32(secondOfDay / 3600)
        broken.tm_min = Int32(secondOfDay / 60 % 60)
        broken.tm_sec = Int32(secondOfDay % 60)
        broken.tm_isdst = -1
        return Int(mktime(&broken))
    }

    /// Wall clock reading of the real-time clock, coarse (a few ms) and cheap.
    static func coarseWallClock() -> Double {
        var spec = timespec()
        #if os(Linux)
        clock_gettime(CLOCK_REALTIME_COARSE, &spec)
        #else
        clock_gettime(CLOCK_REALTIME, &spec)
        #endif
        return Double(spec.tv_sec) + Double(spec.tv_nsec) * 1e-9
    }
}
