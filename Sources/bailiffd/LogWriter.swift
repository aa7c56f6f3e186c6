import ArgumentParser
import Glibc

/// How important a log line is; the daemon marks errors and warnings with a prefix.
enum LogLevel: String, ExpressibleByArgument, CaseIterable, Comparable {
    case error, warning, info

    init(ofLine line: String) {
        if line.hasPrefix("error: ") {
            self = .error
        } else if line.hasPrefix("warning: ") {
            self = .warning
        } else {
            self = .info
        }
    }

    /// The syslog priority journald reads from a `<N>` line prefix.
    var syslogPriority: Int {
        switch self {
        case .error: 3
        case .warning: 4
        case .info: 6
        }
    }

    static func < (lhs: LogLevel, rhs: LogLevel) -> Bool {
        allCases.firstIndex(of: lhs)! > allCases.firstIndex(of: rhs)!
    }
}

/// Writes the daemon's log lines to standard error, leaving out those below the threshold.
/// When standard error is a journal stream (systemd sets `$JOURNAL_STREAM`), each line
/// starts with its syslog priority, so `journalctl -p warning` finds warnings and errors.
struct LogWriter {
    let threshold: LogLevel
    let marksPriority: Bool

    init(threshold: LogLevel) {
        self.threshold = threshold
        marksPriority = Self.standardErrorIsJournal()
    }

    func write(_ line: String) {
        let level = LogLevel(ofLine: line)
        guard level >= threshold else { return }
        writeError(marksPriority ? "<\(level.syslogPriority)>" + line : line)
    }

    /// Whether `$JOURNAL_STREAM` names the device and inode of standard error.
    private static func standardErrorIsJournal() -> Bool {
        guard let value = getenv("JOURNAL_STREAM").map({ String(cString: $0) }) else { return false }
        let parts = value.split(separator: ":")
        var status = stat()
        guard parts.count == 2, fstat(STDERR_FILENO, &status) == 0 else { return false }
        return UInt64(parts[0]) == UInt64(status.st_dev) && UInt64(parts[1]) == UInt64(status.st_ino)
    }
}
