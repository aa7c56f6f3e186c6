import Glibc

/// Measures the reader alone, for benchmarks that compare it with `journalctl -o cat`
/// on the same files and match.
public enum JournalReadBenchmark {
    public struct Result: Sendable, CustomStringConvertible {
        public let entries: Int
        /// Bytes of formatted lines (0 when lines were not formatted).
        public let lineBytes: Int
        public let seconds: Double
        public var entriesPerSecond: Double { seconds > 0 ? Double(entries) / seconds : 0 }

        public var description: String {
            let rate = Int(entriesPerSecond.rounded())
            return "\(entries) entries in \(seconds)s (\(rate) entries/s)" + (lineBytes > 0 ? ", \(lineBytes) line bytes" : "")
        }
    }

    /// Reads `source` from its start to its end through `matches`, formatting each entry's
    /// fail2ban line when `formatLines` is set, and times it.
    public static func run(source: JournalSource, matches: JournalMatchSet = JournalMatchSet(), formatLines: Bool) throws(JournalError) -> Result {
        let start = monotonicSeconds()
        let reader = try JournalReader(source: source, matches: matches)
        try reader.seekHead()
        var line: [UInt8] = []
        var entries = 0
        var lineBytes = 0
        while let entry = try reader.next() {
            entries += 1
            if formatLines {
                entry.formatLine(into: &line)
                lineBytes += line.count
            }
        }
        return Result(entries: entries, lineBytes: lineBytes, seconds: monotonicSeconds() - start)
    }

    private static func monotonicSeconds() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }
}
