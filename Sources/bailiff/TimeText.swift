import Glibc

/// Durations as people read them: "9m 58s", "1h 5m", "2d 3h".
enum DurationText {
    private static let units: [(suffix: String, seconds: Int)] = [("d", 86_400), ("h", 3_600), ("m", 60), ("s", 1)]

    /// The two largest units, rounded to the second; under a second in milliseconds.
    static func seconds(_ value: Double) -> String {
        guard value.isFinite else { return value > 0 ? "forever" : "0s" }
        if value > 0, value < 1 { return "\(Int((value * 1000).rounded()))ms" }
        let total = Int(max(0, value).rounded())
        guard let first = units.firstIndex(where: { total >= $0.seconds }) else { return "0s" }
        let leading = total / units[first].seconds
        var text = "\(leading)\(units[first].suffix)"
        if first + 1 < units.count {
            let next = (total % units[first].seconds) / units[first + 1].seconds
            if next > 0 { text += " \(next)\(units[first + 1].suffix)" }
        }
        return text
    }

    /// A ban's length or what is left of it; nil stands for a permanent ban.
    static func ban(_ value: Double?) -> String {
        value.map(seconds) ?? "permanent"
    }
}

/// Points in time as local dates: "2024-03-09 14:05:00".
enum LocalTimeText {
    static func date(_ epochSeconds: Double) -> String {
        guard epochSeconds.isFinite else { return "-" }
        var seconds = time_t(epochSeconds.rounded(.down))
        var parts = tm()
        guard localtime_r(&seconds, &parts) != nil else { return "-" }
        var buffer = [CChar](repeating: 0, count: 64)
        let length = strftime(&buffer, buffer.count, "%Y-%m-%d %H:%M:%S", &parts)
        return String(decoding: buffer[..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// Decimal numbers with one digit after the point: "812.5".
enum NumberText {
    static func oneDecimal(_ value: Double) -> String {
        guard value.isFinite else { return "\(value)" }
        let tenths = Int((value * 10).rounded())
        let sign = tenths < 0 ? "-" : ""
        return "\(sign)\(abs(tenths) / 10).\(abs(tenths) % 10)"
    }
}
