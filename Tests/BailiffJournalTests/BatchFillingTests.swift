import BailiffTestSupport
import Testing
@testable import BailiffJournal

/// Filling a batch takes every item of every entry, also without restarting libsystemd's
/// enumeration of an entry's data, which it does itself when stepping to the entry.
@Suite struct BatchFillingTests {
    /// Entries with from one to five extra fields, so one entry's items never line up with the next one's.
    static let entries: [ExportEntry] = (0..<50).map { index in
        var entry = ExportEntry(realtime: baseTime + UInt64(index) * 1_000_000, [
            "_SYSTEMD_UNIT": "sshd.service", "SYSLOG_IDENTIFIER": "sshd", "MESSAGE": "entry \(index)",
        ])
        for extra in 0...(index * 7 % 5) { entry.fields.append(("EXTRA\(extra)", Array("value \(index).\(extra)".utf8))) }
        return entry
    }

    @Test func batchEntriesHoldEveryFieldAPlainReaderReads() throws {
        try withTemporaryDirectory { directory in
            let path = "\(directory)/sample.journal"
            try JournalFixture.writeJournal(Self.entries, to: path)
            let matches = JournalMatchSet(additionalFields: (0..<5).map { "EXTRA\($0)" })
            let plain = try JournalReader(source: .files([path]), matches: matches)
            try plain.seekHead()
            var expected: [[String: [UInt8]]] = []
            while let entry = try plain.next() { expected.append(entry.fields) }
            #expect(expected.count == Self.entries.count)

            let reader = try JournalReader(source: .files([path]), matches: matches)
            try reader.seekHead()
            var batch = JournalBatch(capacity: 1_000, layout: matches.layout)
            while try reader.next(into: &batch) {}
            #expect(batch.count == expected.count)
            let differing = (0..<min(batch.count, expected.count)).filter { batch[$0].fields != expected[$0] }
            #expect(differing.isEmpty, "batch entries \(differing) differ from what a plain reader reads")
            // What lets filling skip the restart, checked on the second entry; the entries
            // above are whole either way.
            #expect(reader.steppingRestartsData == true)
        }
    }
}
