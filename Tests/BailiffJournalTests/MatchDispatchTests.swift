import BailiffJournal
import BailiffTestSupport
import Testing

/// The union installed in sd_journal and the per-jail predicate must agree: the reader
/// returns exactly the entries some jail wants, and each goes to exactly the jails that want it.
@Suite struct MatchDispatchTests {
    static let sshd = "_SYSTEMD_UNIT=sshd.service + _COMM=sshd"
    static let nginx = "_SYSTEMD_UNIT=nginx.service SYSLOG_IDENTIFIER=nginx SYSLOG_IDENTIFIER=nginx-error"
    static let postfix = "_SYSTEMD_UNIT=postfix.service"

    /// Entries of several units; the message says which of the sshd (s), nginx (n) and postfix (p) jails want it.
    static let entries: [ExportEntry] = ([
        ["_SYSTEMD_UNIT": "sshd.service", "_COMM": "sshd", "SYSLOG_IDENTIFIER": "sshd", "MESSAGE": "1 s"],
        ["_SYSTEMD_UNIT": "nginx.service", "_COMM": "nginx", "SYSLOG_IDENTIFIER": "nginx", "MESSAGE": "2 n"],
        ["_SYSTEMD_UNIT": "nginx.service", "_COMM": "nginx", "SYSLOG_IDENTIFIER": "nginx-error", "MESSAGE": "3 n"],
        ["_SYSTEMD_UNIT": "nginx.service", "_COMM": "nginx", "SYSLOG_IDENTIFIER": "logrotate", "MESSAGE": "4 -"],
        ["_SYSTEMD_UNIT": "cron.service", "_COMM": "cron", "MESSAGE": "5 -"],
        // sshd running outside its unit: the _COMM alternative.
        ["_SYSTEMD_UNIT": "session-4.scope", "_COMM": "sshd", "MESSAGE": "6 s"],
        ["_SYSTEMD_UNIT": "postfix.service", "_COMM": "smtpd", "SYSLOG_IDENTIFIER": "postfix/smtpd", "MESSAGE": "7 p"],
        // The right identifier under the wrong unit.
        ["_SYSTEMD_UNIT": "apache2.service", "SYSLOG_IDENTIFIER": "nginx", "MESSAGE": "8 -"],
        ["_SYSTEMD_UNIT": "sshd.service", "_COMM": "sshd-session", "MESSAGE": "9 s"],
        // The same field twice in one entry: sd_journal matches either value.
        ["_SYSTEMD_UNIT": "nginx.service", "SYSLOG_IDENTIFIER": "logger", "SYSLOG_IDENTIFIER": "nginx", "MESSAGE": "10 n"],
        ["_SYSTEMD_UNIT": "cron.service", "_SYSTEMD_UNIT": "sshd.service", "MESSAGE": "11 s"],
        ["MESSAGE": "12 -"],
    ] as [KeyValuePairs<String, String>]).enumerated().map { index, fields in
        ExportEntry(realtime: baseTime + UInt64(index) * 1_000_000, fields)
    }

    private func withFixture(_ body: (String) throws -> Void) throws {
        try withTemporaryDirectory { directory in
            let path = "\(directory)/units.journal"
            try JournalFixture.writeJournal(Self.entries, to: path)
            try body(path)
        }
    }

    /// "1 s" -> (1, "s")
    private func label(_ entry: JournalEntry) -> (number: Int, jails: String) {
        let parts = entry.messageText.split(separator: " ")
        return (Int(parts[0]) ?? -1, parts[1] == "-" ? "" : String(parts[1]))
    }

    private func expectedNumbers(forAnyOf jails: String) -> [Int] {
        Self.entries.compactMap { entry -> Int? in
            let message = String(decoding: entry.fields.first { $0.name == "MESSAGE" }!.value, as: UTF8.self)
            let parts = message.split(separator: " ")
            return parts[1].contains(where: jails.contains) ? Int(parts[0]) : nil
        }
    }

    @Test func readerReturnsTheUnionAndThePredicateSplitsIt() throws {
        try withFixture { path in
            let set = JournalMatchSet([try JournalMatch(parsing: Self.sshd), try JournalMatch(parsing: Self.nginx)])
            #expect(set.fieldNames == ["_SYSTEMD_UNIT", "_COMM", "SYSLOG_IDENTIFIER"])
            let reader = try JournalReader(source: .files([path]), matches: set)
            try reader.seekHead()
            let read = try readRemaining(reader)
            #expect(read.map { label($0).number } == expectedNumbers(forAnyOf: "sn"))
            for entry in read {
                let wanted = label(entry).jails
                #expect(set.memberMatches(0, entry) == wanted.contains("s"), "sshd jail on \(entry.messageText)")
                #expect(set.memberMatches(1, entry) == wanted.contains("n"), "nginx jail on \(entry.messageText)")
                #expect(set.members[0].matches(entry) == set.memberMatches(0, entry))
            }
        }
    }

    @Test func unionAgreesWithJournalctl() throws {
        try withFixture { path in
            let set = JournalMatchSet([try JournalMatch(parsing: Self.sshd), try JournalMatch(parsing: Self.nginx)])
            let reader = try JournalReader(source: .files([path]), matches: set)
            try reader.seekHead()
            let ours = try readRemaining(reader).map(\.messageText)
            let words = (Self.sshd + " + " + Self.nginx).split(separator: " ").map(String.init)
            let theirs = try Subprocess.run(["journalctl", "--file", path, "-o", "cat"] + words)
                .split(separator: "\n").map(String.init)
            #expect(!ours.isEmpty)
            #expect(ours == theirs)
        }
    }

    @Test func everyPredicateAgreesWithItsOwnInstalledMatch() throws {
        try withFixture { path in
            let matches = try [Self.sshd, Self.nginx, Self.postfix].map { try JournalMatch(parsing: $0) }
            let all = JournalMatchSet(matches)
            let everything = try readAll(path, JournalMatchSet(additionalFields: Array(all.fieldNames)))
            #expect(everything.count == Self.entries.count)
            for (index, match) in matches.enumerated() {
                let installed = try readAll(path, JournalMatchSet([match])).map(\.messageText)
                let predicted = everything.filter { match.matches($0) }.map(\.messageText)
                #expect(installed == predicted, "jail \(index): \(match)")
                #expect(!installed.isEmpty)
            }
        }
    }

    @Test func aJailWithoutMatchLetsEverythingThrough() throws {
        try withFixture { path in
            let set = JournalMatchSet([try JournalMatch(parsing: Self.postfix), .everything])
            #expect(set.matchesEverything)
            let read = try readAll(path, set)
            #expect(read.count == Self.entries.count)
            #expect(read.filter { set.memberMatches(0, $0) }.map { label($0).number } == expectedNumbers(forAnyOf: "p"))
            #expect(read.allSatisfy { set.memberMatches(1, $0) })
        }
    }

    @Test func changedMatchesApplyFromTheCurrentPosition() throws {
        try withFixture { path in
            let reader = try JournalReader(source: .files([path]), matches: JournalMatchSet([try JournalMatch(parsing: Self.sshd)]))
            try reader.seekHead()
            let first = try #require(try reader.next())
            #expect(label(first).number == 1)
            try reader.setMatches(JournalMatchSet([try JournalMatch(parsing: Self.nginx)]))
            #expect(try readRemaining(reader).map { label($0).number } == expectedNumbers(forAnyOf: "n"))
        }
    }

    private func readAll(_ path: String, _ set: JournalMatchSet) throws -> [JournalEntry] {
        let reader = try JournalReader(source: .files([path]), matches: set)
        try reader.seekHead()
        return try readRemaining(reader)
    }
}
