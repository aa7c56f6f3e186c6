// Temporary minimal stand-in (syslog dates only) so the engine builds; the full
// fail2ban-compatible detector replaces this whole file.
import Glibc

public struct DateMatch: Sendable {
    public let range: Range<Int>
    public let time: Double?
}

public final class DateDetector {
    let now: @Sendable () -> Double
    public init(datePattern: String? = nil, logTimeZone: String? = nil, now: @escaping @Sendable () -> Double) throws {
        self.now = now
    }

    public func match(_ line: UnsafeRawBufferPointer, scratch: MatchScratch) -> DateMatch? {
        guard line.count >= 15 else { return nil }
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        let head = String(decoding: UnsafeRawBufferPointer(rebasing: line[0..<15]), as: UTF8.self)
        guard let month = months.firstIndex(of: String(head.prefix(3))) else { return nil }
        let parts = head.dropFirst(4).split(whereSeparator: { $0 == " " || $0 == ":" })
        guard parts.count == 4, let day = Int32(parts[0]), let hour = Int32(parts[1]), let minute = Int32(parts[2]), let second = Int32(parts[3]) else { return nil }
        var current = time_t(now())
        var nowFields = tm()
        localtime_r(&current, &nowFields)
        var fields = tm()
        fields.tm_year = nowFields.tm_year
        fields.tm_mon = Int32(month); fields.tm_mday = day; fields.tm_hour = hour; fields.tm_min = minute; fields.tm_sec = second
        fields.tm_isdst = -1
        var value = Double(mktime(&fields))
        if value > now() + 86400 { fields.tm_year -= 1; fields.tm_isdst = -1; value = Double(mktime(&fields)) }
        return DateMatch(range: 0..<15, time: value)
    }
}
