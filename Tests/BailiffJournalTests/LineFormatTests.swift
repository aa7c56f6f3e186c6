import BailiffJournal
import BailiffTestSupport
import Testing

/// The fail2ban journal line of real journal entries, against lines written by hand from
/// fail2ban's `FilterSystemd.formatJournalEntry`.
@Suite struct LineFormatTests {
    /// One fixture entry per case, and the line fail2ban gives its filters for it.
    static let cases: [(fields: KeyValuePairs<String, String>, monotonic: UInt64?, line: String)] = [
        (["_HOSTNAME": "gate", "SYSLOG_IDENTIFIER": "sshd", "SYSLOG_PID": "4230", "_PID": "999", "_COMM": "sshd-session",
          "MESSAGE": "Failed password for root from 198.51.100.23 port 40222 ssh2"],
         nil, "gate sshd[4230]: Failed password for root from 198.51.100.23 port 40222 ssh2"),
        // No SYSLOG_IDENTIFIER: _COMM; no SYSLOG_PID: _PID.
        (["_HOSTNAME": "gate", "_COMM": "sshd", "_PID": "77", "MESSAGE": "Invalid user admin from 203.0.113.9"],
         nil, "gate sshd[77]: Invalid user admin from 203.0.113.9"),
        // An empty identifier counts as missing.
        (["_HOSTNAME": "gate", "SYSLOG_IDENTIFIER": "", "_COMM": "dovecot", "_PID": "8", "MESSAGE": "m"],
         nil, "gate dovecot[8]: m"),
        // SYSLOG_PID=0 is falsy in Python: fail2ban falls back to _PID.
        (["_HOSTNAME": "gate", "SYSLOG_IDENTIFIER": "sshd", "SYSLOG_PID": "0", "_PID": "55", "MESSAGE": "m"],
         nil, "gate sshd[55]: m"),
        // int(v) takes spaces and leading zeros; int(v, 0) takes 0x.
        (["_HOSTNAME": "gate", "SYSLOG_IDENTIFIER": "app", "SYSLOG_PID": " 0012 ", "MESSAGE": "m"], nil, "gate app[12]: m"),
        (["_HOSTNAME": "gate", "SYSLOG_IDENTIFIER": "app", "SYSLOG_PID": "0x1f", "MESSAGE": "m"], nil, "gate app[31]: m"),
        (["SYSLOG_IDENTIFIER": "app", "SYSLOG_PID": "-0_7", "MESSAGE": "m"], nil, "app[-7]: m"),
        (["SYSLOG_IDENTIFIER": "app", "SYSLOG_PID": "0b101", "MESSAGE": "m"], nil, "app[5]: m"),
        (["SYSLOG_IDENTIFIER": "app", "SYSLOG_PID": "0x_ff_ff", "MESSAGE": "m"], nil, "app[65535]: m"),
        (["SYSLOG_IDENTIFIER": "app", "SYSLOG_PID": "99999999999999999999999", "MESSAGE": "m"], nil, "app[99999999999999999999999]: m"),
        // Not a number at all: printed as it is (fail2ban shows Python's repr, b'worker-3').
        (["_HOSTNAME": "gate", "SYSLOG_IDENTIFIER": "app", "SYSLOG_PID": "worker-3", "MESSAGE": "m"], nil, "gate app[worker-3]: m"),
        // The kernel gets its monotonic time, preferring the source's.
        (["_HOSTNAME": "gate", "SYSLOG_IDENTIFIER": "kernel", "_SOURCE_MONOTONIC_TIMESTAMP": "12345678",
          "MESSAGE": "IN=eth0 SRC=198.51.100.4"],
         nil, "gate kernel: [   12.345678] IN=eth0 SRC=198.51.100.4"),
        (["_HOSTNAME": "gate", "SYSLOG_IDENTIFIER": "kernel", "MESSAGE": "usb 1-1: new device"],
         98_765_432_101, "gate kernel: [98765.432101] usb 1-1: new device"),
        (["SYSLOG_IDENTIFIER": "kernel", "_SOURCE_MONOTONIC_TIMESTAMP": "123456789012345", "MESSAGE": "m"],
         nil, "kernel: [123456789.012345] m"),
        // With a PID, "kernel" is an ordinary identifier.
        (["_HOSTNAME": "gate", "SYSLOG_IDENTIFIER": "kernel", "_PID": "3", "MESSAGE": "m"], nil, "gate kernel[3]: m"),
        // Newlines become \n.
        (["_HOSTNAME": "gate", "SYSLOG_IDENTIFIER": "sshd", "_PID": "1", "MESSAGE": "line one\nline two\n"],
         nil, "gate sshd[1]: line one\\nline two\\n"),
        // Parts the entry lacks are left out; a missing MESSAGE leaves the trailing space.
        (["SYSLOG_IDENTIFIER": "sshd", "_PID": "1", "MESSAGE": "no host"], nil, "sshd[1]: no host"),
        (["_HOSTNAME": "gate", "MESSAGE": "no identifier"], nil, "gate no identifier"),
        (["MESSAGE": "bare"], nil, "bare"),
        (["_HOSTNAME": "gate", "SYSLOG_IDENTIFIER": "sshd", "_PID": "1"], nil, "gate sshd[1]: "),
        // A repeated MESSAGE becomes a list in python-systemd; fail2ban joins it with spaces.
        (["SYSLOG_IDENTIFIER": "x", "MESSAGE": "first", "MESSAGE": "second"], nil, "x: first second"),
    ]

    @Test func linesMatchFail2bansFormat() throws {
        try withTemporaryDirectory { directory in
            let entries = Self.cases.enumerated().map { index, item in
                ExportEntry(realtime: baseTime + UInt64(index), monotonic: item.monotonic, item.fields)
            }
            try JournalFixture.writeJournal(entries, to: "\(directory)/format.journal")
            let reader = try JournalReader(source: .files(["\(directory)/format.journal"]))
            try reader.seekHead()
            let lines = try readRemaining(reader).map(\.lineText)
            #expect(lines == Self.cases.map(\.line))
        }
    }

    @Test func binaryMessageBytesPassUnchanged() throws {
        try withTemporaryDirectory { directory in
            let message: [UInt8] = [0x66, 0xFF, 0x00, 0x41, 0xC3, 0x0A, 0x42, 0xE2, 0x82]
            var entry = ExportEntry(realtime: baseTime, ["_HOSTNAME": "gate", "SYSLOG_IDENTIFIER": "app", "_PID": "5"])
            entry.add("MESSAGE", bytes: message)
            try JournalFixture.writeJournal([entry], to: "\(directory)/binary.journal")
            let reader = try JournalReader(source: .files(["\(directory)/binary.journal"]))
            let read = try #require(try reader.next())
            #expect(Array(read.message ?? []) == message)
            // Invalid UTF-8 and NUL stay as they are; only the newline is escaped.
            #expect(read.line == Array("gate app[5]: ".utf8) + [0x66, 0xFF, 0x00, 0x41, 0xC3, 0x5C, 0x6E, 0x42, 0xE2, 0x82])
        }
    }

    @Test func oversizedMessageIsCutAtTheLineLimit() throws {
        try withTemporaryDirectory { directory in
            let huge = String(repeating: "a", count: 200_000)
            let newlines = String(repeating: "\n", count: 100_000)
            let entries = [
                ExportEntry(realtime: baseTime, ["_HOSTNAME": "gate", "SYSLOG_IDENTIFIER": "app", "_PID": "5", "MESSAGE": huge]),
                ExportEntry(realtime: baseTime + 1, ["SYSLOG_IDENTIFIER": "app", "MESSAGE": newlines]),
                ExportEntry(realtime: baseTime + 2, ["SYSLOG_IDENTIFIER": "app", "MESSAGE": "after"]),
            ]
            try JournalFixture.writeJournal(entries, to: "\(directory)/huge.journal")
            let reader = try JournalReader(source: .files(["\(directory)/huge.journal"]))
            try reader.seekHead()
            let read = try readRemaining(reader)
            #expect(read.count == 3)
            let first = read[0].line
            #expect(first.count == JournalEntry.maximumLineLength)
            #expect(first.starts(with: Array("gate app[5]: aaaa".utf8)))
            #expect(first.dropFirst(13).allSatisfy { $0 == UInt8(ascii: "a") })
            // Escapes are never cut in half.
            let second = read[1].line
            #expect(second.count == 5 + (JournalEntry.maximumLineLength - 5) / 2 * 2)
            #expect(second.starts(with: Array("app: \\n\\n".utf8)))
            #expect(Array(second.suffix(2)) == Array("\\n".utf8))
            #expect(read[2].lineText == "app: after")
        }
    }

    @Test func timeTakesSourceRealtimeFirst() throws {
        try withTemporaryDirectory { directory in
            let entries = [
                ExportEntry(realtime: baseTime + 5_000_000, ["MESSAGE": "stamped", "_SOURCE_REALTIME_TIMESTAMP": "\(baseTime + 1_250_000)"]),
                ExportEntry(realtime: baseTime + 6_500_000, ["MESSAGE": "received"]),
                ExportEntry(realtime: baseTime + 7_000_000, ["MESSAGE": "bad stamp", "_SOURCE_REALTIME_TIMESTAMP": "soon"]),
            ]
            try JournalFixture.writeJournal(entries, to: "\(directory)/time.journal")
            let reader = try JournalReader(source: .files(["\(directory)/time.journal"]))
            try reader.seekHead()
            let read = try readRemaining(reader)
            #expect(read.map(\.time) == [1_700_000_001.25, 1_700_000_006.5, 1_700_000_007])
            #expect(read.map(\.realtimeMicroseconds) == entries.map(\.realtime))
        }
    }

    @Test func entriesBuiltInMemoryFormatAlike() {
        let entry = JournalEntry(
            fields: ["_HOSTNAME": Array("gate".utf8), "_COMM": Array("sshd".utf8), "_PID": Array("9".utf8), "MESSAGE": Array("hi".utf8)],
            realtimeMicroseconds: baseTime)
        #expect(entry.lineText == "gate sshd[9]: hi")
        #expect(entry.time == 1_700_000_000)
    }
}
