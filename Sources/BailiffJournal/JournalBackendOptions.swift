import BailiffConfig
import Glibc

/// A `backend = systemd[...]` argument that does not describe a journal.
public struct JournalBackendOptionError: Error, Equatable, Sendable, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}

extension JournalSource {
    /// The options fail2ban's systemd backend understands (see its `FilterSystemd._getJournalArgs`).
    public static let backendOptionNames = ["journalpath", "journalfiles", "namespace"]

    /// The journal named by the arguments of fail2ban's `backend = systemd[...]`, already split
    /// into keys and values: `journalpath` (a directory), `journalfiles` (files or glob patterns
    /// separated by spaces, commas or newlines, as fail2ban splits them) or `namespace`.
    /// No option means the local system journal.
    public init(backendOptions options: [String: String]) throws(JournalBackendOptionError) {
        for key in options.keys.sorted() where !Self.backendOptionNames.contains(key) {
            if key == "journalflags" {
                throw JournalBackendOptionError(message: "systemd backend option 'journalflags' is not supported: bailiff reads the local system journal, or the journal chosen with journalpath=, journalfiles= or namespace=")
            }
            throw JournalBackendOptionError(message: "unknown systemd backend option '\(key)' (expected journalpath, journalfiles or namespace)")
        }
        let given = Self.backendOptionNames.filter { options[$0] != nil }
        if given.count > 1 {
            throw JournalBackendOptionError(message: "systemd backend options \(given.joined(separator: " and ")) exclude each other: give one of journalpath, journalfiles or namespace")
        }
        if let path = options["journalpath"] {
            let trimmed = path.trimmingWhitespace()
            guard !trimmed.isEmpty else {
                throw JournalBackendOptionError(message: "systemd backend option journalpath is empty (expected a journal directory such as /var/log/journal)")
            }
            self = .directory(trimmed)
        } else if let list = options["journalfiles"] {
            self = .files(try Self.expandJournalFiles(list))
        } else if let name = options["namespace"] {
            let trimmed = name.trimmingWhitespace()
            guard !trimmed.isEmpty else {
                throw JournalBackendOptionError(message: "systemd backend option namespace is empty (expected a journal namespace name)")
            }
            self = .namespace(trimmed)
        } else {
            self = .system
        }
    }

    /// fail2ban splits on spaces, commas and newlines and expands each word as a glob.
    /// A word without glob characters is kept as given, so opening it reports what is wrong with it.
    static func expandJournalFiles(_ list: String) throws(JournalBackendOptionError) -> [String] {
        let words = list.split(whereSeparator: { $0 == " " || $0 == "," || $0 == "\n" || $0 == "\t" || $0 == "\r" })
        guard !words.isEmpty else {
            throw JournalBackendOptionError(message: "systemd backend option journalfiles is empty (expected journal files, e.g. journalfiles=\"/var/log/journal/*/system.journal\")")
        }
        var files: [String] = []
        for word in words.map(String.init) {
            guard word.contains(where: { $0 == "*" || $0 == "?" || $0 == "[" }) else {
                if !files.contains(word) { files.append(word) }
                continue
            }
            let matches = globPaths(word)
            if matches.isEmpty {
                throw JournalBackendOptionError(message: "systemd backend option journalfiles: pattern '\(word)' matches no file")
            }
            for path in matches where !files.contains(path) { files.append(path) }
        }
        return files
    }

    private static func globPaths(_ pattern: String) -> [String] {
        var result = glob_t()
        defer { globfree(&result) }
        guard glob(pattern, 0, nil, &result) == 0 else { return [] }
        return (0..<Int(result.gl_pathc)).compactMap { index in
            result.gl_pathv[index].map { String(cString: $0) }
        }
    }
}
