import BailiffJournal
import BailiffTestSupport
import Glibc
import Synchronization
import Testing

/// Reading on a thread of its own: the batches hold exactly the entries a plain reader
/// returns, in order, with their cursors; positioning drops what was read ahead.
@Suite struct ReadAheadTests {
    /// Entries of two units, one second apart.
    static let entries: [ExportEntry] = (0..<40).map { index in
        ExportEntry(realtime: baseTime + UInt64(index) * 1_000_000, [
            "_SYSTEMD_UNIT": index % 3 == 0 ? "cron.service" : "sshd.service",
            "SYSLOG_IDENTIFIER": "test",
            "MESSAGE": "entry \(index)",
        ])
    }

    /// Everything the read-ahead holds now, as (message, cursor, realtime, monotonic).
    private func drain(_ readAhead: JournalReadAhead) throws -> [(String, String, UInt64, UInt64)] {
        var result: [(String, String, UInt64, UInt64)] = []
        while let batch = try readAhead.nextBatch(waiting: true) {
            for index in 0..<batch.count {
                let entry = batch[index]
                result.append((entry.messageText, entry.cursor ?? "", entry.realtimeMicroseconds, entry.monotonicMicroseconds))
            }
            readAhead.recycle(batch)
        }
        return result
    }

    @Test(arguments: [nil, "_SYSTEMD_UNIT=sshd.service"], [1, 3, 256])
    func batchesHoldWhatAPlainReaderReads(match: String?, batchSize: Int) throws {
        try withTemporaryDirectory { directory in
            let path = "\(directory)/sample.journal"
            try JournalFixture.writeJournal(Self.entries, to: path)
            let set = JournalMatchSet(try match.map { [try JournalMatch(parsing: $0)] } ?? [])
            let plain = try JournalReader(source: .files([path]), matches: set)
            try plain.seekHead()
            var expected: [(String, String, UInt64, UInt64)] = []
            while let entry = try plain.next() {
                expected.append((entry.messageText, try plain.cursor(), entry.realtimeMicroseconds, entry.monotonicMicroseconds))
            }
            #expect(expected.count == (match == nil ? 40 : 26))

            let readAhead = try JournalReadAhead(source: .files([path]), matches: set, batchSize: batchSize, depth: 2)
            try readAhead.seekHead()
            let read = try drain(readAhead)
            #expect(read.map(\.0) == expected.map(\.0))
            #expect(read.map(\.1) == expected.map(\.1))
            #expect(read.map(\.2) == expected.map(\.2))
            #expect(read.map(\.3) == expected.map(\.3))
            // At the end it stays at the end.
            #expect(try readAhead.nextBatch(waiting: true) == nil)
        }
    }

    /// A consumer that keeps most batches while it asks for one more still gets it: the
    /// reader wakes it when it has no batch left to fill, not only once half of them wait.
    @Test func aConsumerHoldingMostBatchesIsStillWoken() throws {
        try withTemporaryDirectory { directory in
            let path = "\(directory)/sample.journal"
            try JournalFixture.writeJournal(Self.entries, to: path)
            let readAhead = try JournalReadAhead(source: .files([path]), batchSize: 2, depth: 8)
            // A consumer left asleep would hang: the alarm ends the test process instead.
            alarm(60)
            defer { alarm(0) }
            // Whether the consumer sleeps before the reader runs out of batches depends on
            // timing, so the round is repeated.
            for _ in 0..<20 {
                try readAhead.seekHead()
                var held: [JournalBatch] = []
                // All eight batches taken and kept: asking for the last ones, the consumer
                // holds most of them, so the reader runs out of batches to fill with fewer
                // than half of them ready.
                for _ in 0..<8 { held.append(try #require(try readAhead.nextBatch(waiting: true))) }
                #expect(held.flatMap { batch in (0..<batch.count).map { batch[$0].messageText } } == (0..<16).map { "entry \($0)" })
                for batch in held { readAhead.recycle(batch) }
            }
            #expect(try drain(readAhead).count == 24)
        }
    }

    @Test func seekingDropsWhatWasReadAhead() throws {
        try withTemporaryDirectory { directory in
            let path = "\(directory)/sample.journal"
            try JournalFixture.writeJournal(Self.entries, to: path)
            let readAhead = try JournalReadAhead(source: .files([path]), batchSize: 4, depth: 3)
            try readAhead.seekHead()
            let all = try drain(readAhead)
            #expect(all.count == 40)

            try readAhead.seekHead()
            // Let the reader fill every batch it may, then move it.
            let first = try #require(try readAhead.nextBatch(waiting: true))
            #expect(first[0].messageText == "entry 0")
            usleep(50_000)
            #expect(try readAhead.seek(cursor: all[20].1) == .afterCursorEntry)
            readAhead.recycle(first)
            #expect(try drain(readAhead).map(\.0) == all[21...].map(\.0))

            try readAhead.seek(time: Double(baseTime) / 1_000_000 + 35)
            #expect(try drain(readAhead).map(\.0) == all[35...].map(\.0))

            // New matches apply from where the reader is put next.
            try readAhead.setMatches(JournalMatchSet([try JournalMatch(parsing: "_SYSTEMD_UNIT=cron.service")]))
            #expect(try readAhead.seek(cursor: all[29].1) == .afterCursorEntry)
            #expect(try drain(readAhead).map(\.0) == ["entry 30", "entry 33", "entry 36", "entry 39"])
        }
    }

    /// An entry with a megabyte of fields gets bounded room in its batch, and still shows
    /// the fields it has after them. (systemd-journal-remote takes up to 1024 fields an entry.)
    @Test func aRunawayEntryKeepsItsWantedFieldsInBoundedRoom() throws {
        try withTemporaryDirectory { directory in
            var runaway = ExportEntry(realtime: baseTime, ["SYSLOG_IDENTIFIER": "test"])
            for index in 0..<700 { runaway.add("JUNK", String(repeating: "x", count: 1000) + "\(index)") }
            for index in 0..<300 { runaway.add("SYSLOG_IDENTIFIER", "again \(index) " + String(repeating: "y", count: 1000)) }
            runaway.add("MESSAGE", "after the junk")
            let path = "\(directory)/runaway.journal"
            try JournalFixture.writeJournal([runaway, ExportEntry(realtime: baseTime + 1, ["MESSAGE": "next"])], to: path)
            let readAhead = try JournalReadAhead(source: .files([path]))
            try readAhead.seekHead()
            let batch = try #require(try readAhead.nextBatch(waiting: true))
            #expect(batch.count == 2)
            let entry = batch[0]
            #expect(entry.messageText == "after the junk")
            #expect(entry.text("SYSLOG_IDENTIFIER") == "test")
            #expect(entry.values(of: "SYSLOG_IDENTIFIER").count == 1, "repeats past the bound are dropped")
            #expect(batch[1].messageText == "next")
        }
    }

    @Test func aMissingJournalFileFailsTheStart() throws {
        #expect(throws: JournalError.self) {
            _ = try JournalReadAhead(source: .files(["/nonexistent/bailiff/none.journal"]))
        }
    }
}

/// The read-ahead following a real systemd-journald: entries logged later wake its
/// consumer, and rotation and vacuuming lose nothing.
@Suite(.serialized, .enabled(if: getuid() == 0, "needs root to run systemd-journald in a private mount namespace"))
struct LiveReadAheadTests {
    static let identifier = "bailiff-read-ahead"

    @Test func followsTheJournalThroughRotationAndVacuum() throws {
        let journald = try LiveJournald.start()
        defer { journald.stop() }
        let readAhead = try JournalReadAhead(
            source: .directory(journald.journalDirectory),
            matches: JournalMatchSet([try JournalMatch(parsing: "SYSLOG_IDENTIFIER=\(Self.identifier)")]), batchSize: 16)
        try readAhead.seekTail()
        #expect(try readAhead.nextBatch(waiting: true) == nil)

        let rounds = 6
        let batch = 30
        let expected = (0..<rounds).flatMap { round in (0..<batch).map { "round \(round) entry \($0)" } }
        let roundsRead = Atomic<Int>(0)
        let failures = Mutex<[String]>([])
        let writer = BackgroundThread {
            if let failure = journald.logInRotatedRounds(
                expected, rounds: rounds, identifier: Self.identifier, hasRead: { roundsRead.load(ordering: .acquiring) > $0 }) {
                failures.withLock { $0.append(failure) }
            }
        }
        defer { writer.join() }

        // As the daemon's loop does: sleep on the wake descriptor, take what is ready.
        var messages: [String] = []
        var cursor = ""
        let deadline = monotonicNow() + 60
        while messages.count < expected.count, monotonicNow() < deadline, failures.withLock({ $0.isEmpty }) {
            var wake = pollfd(fd: readAhead.wakeDescriptor, events: Int16(POLLIN), revents: 0)
            _ = poll(&wake, 1, 1000)
            while let ready = try readAhead.nextBatch(waiting: false) {
                for index in 0..<ready.count {
                    messages.append(ready[index].messageText)
                    cursor = ready[index].cursor ?? ""
                }
                readAhead.recycle(ready)
            }
            roundsRead.store(messages.count / batch, ordering: .releasing)
        }
        writer.join()
        #expect(failures.withLock { $0 } == [])
        #expect(messages == expected)

        // A restart from the last cursor reads nothing twice.
        let restarted = try JournalReadAhead(
            source: .directory(journald.journalDirectory),
            matches: JournalMatchSet([try JournalMatch(parsing: "SYSLOG_IDENTIFIER=\(Self.identifier)")]))
        _ = try restarted.seek(cursor: cursor)
        #expect(try restarted.nextBatch(waiting: true) == nil)
    }
}
