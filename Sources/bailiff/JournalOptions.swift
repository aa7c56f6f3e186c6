import ArgumentParser
import BailiffConfig
import BailiffJournal
import Glibc

/// Which journal to read, for commands that read one.
struct JournalOptions: ParsableArguments {
    @Option(name: .customLong("journal-directory"), help: "Read the journal files in this directory instead of the system journal.")
    var journalDirectory: String?
    @Option(name: .customLong("journal-file"), help: "Read this journal file (repeatable) instead of the system journal.")
    var journalFiles: [String] = []
    @Option(name: .customLong("journal-namespace"), help: "Read this journal namespace.")
    var journalNamespace: String?

    var source: JournalSource {
        if let journalDirectory { return .directory(journalDirectory) }
        if !journalFiles.isEmpty { return .files(journalFiles) }
        if let journalNamespace { return .namespace(journalNamespace) }
        return .system
    }

    func validate() throws {
        let given = [journalDirectory != nil, !journalFiles.isEmpty, journalNamespace != nil].filter { $0 }.count
        if given > 1 {
            throw ValidationError("give one of --journal-directory, --journal-file and --journal-namespace")
        }
    }
}

/// A point in time on the command line: seconds since the epoch, `-DURATION` before now
/// (`-1h`, `-30m`), or a local date `YYYY-MM-DD[ HH:MM[:SS]]`.
enum TimeArgument {
    static func parse(_ text: String, now: Double) throws -> Double {
        let trimmed = text.trimmingWhitespace()
        if let seconds = Double(trimmed), !trimmed.hasPrefix("-") { return seconds }
        if trimmed.hasPrefix("-") {
            do { return now - (try ValueParsing.duration(String(trimmed.dropFirst()))) } catch {
                throw ValidationError("'\(text)': expected -DURATION such as -1h or -30m")
            }
        }
        if let local = localTime(trimmed) { return local }
        throw ValidationError("'\(text)': expected seconds since the epoch, -DURATION (e.g. -1h) or YYYY-MM-DD[ HH:MM[:SS]]")
    }
}

extension TimeArgument {
    /// `YYYY-MM-DD`, optionally followed by ` HH:MM` or `THH:MM`, optionally `:SS`, in local time.
    fileprivate static func localTime(_ text: String) -> Double? {
        let bytes = Array(text.utf8)
        func number(_ from: Int, _ count: Int) -> Int32? {
            guard from + count <= bytes.count else { return nil }
            var value: Int32 = 0
            for byte in bytes[from..<(from + count)] {
                guard byte >= 0x30, byte <= 0x39 else { return nil }
                value = value * 10 + Int32(byte - 0x30)
            }
            return value
        }
        func byte(_ index: Int, is expected: Character) -> Bool { index < bytes.count && bytes[index] == expected.asciiValue }
        guard let year = number(0, 4), byte(4, is: "-"), let month = number(5, 2), byte(7, is: "-"), let day = number(8, 2) else { return nil }
        var parts = tm()
        parts.tm_year = year - 1900
        parts.tm_mon = month - 1
        parts.tm_mday = day
        if bytes.count > 10 {
            guard byte(10, is: " ") || byte(10, is: "T"), let hour = number(11, 2), byte(13, is: ":"), let minute = number(14, 2) else { return nil }
            parts.tm_hour = hour
            parts.tm_min = minute
            if bytes.count > 16 {
                guard byte(16, is: ":"), let second = number(17, 2), bytes.count == 19 else { return nil }
                parts.tm_sec = second
            }
        } else if bytes.count != 10 {
            return nil
        }
        parts.tm_isdst = -1
        let result = mktime(&parts)
        return result == -1 ? nil : Double(result)
    }
}
