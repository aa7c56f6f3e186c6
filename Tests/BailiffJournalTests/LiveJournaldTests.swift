import BailiffJournal
import BailiffTestSupport
import Glibc
import Synchronization
import Testing

/// Against a real systemd-journald running in a private mount namespace (see LiveJournald).
/// Needs root for the namespace; the suite is skipped otherwise.
@Suite(.serialized, .enabled(if: getuid() == 0, "needs root to run systemd-journald in a private mount namespace"))
struct LiveJournaldTests {
    static let identifier = "bailiff-live"

    private func reader(for journald: LiveJournald) throws -> JournalReader {
        try JournalReader(
            source: .directory(journald.journalDirectory),
            matches: JournalMatchSet([try JournalMatch(parsing: "SYSLOG_IDENTIFIER=\(Self.identifier)")]))
    }

    @Test func entriesLoggedWhileWaitingAreDelivered() throws {
        let journald = try LiveJournald.start()
        defer { journald.stop() }
        let reader = try reader(for: journald)
        try reader.seekTail()
        #expect(try reader.next() == nil)
        #expect(try reader.fileDescriptor >= 0)
        #expect(try reader.events & Int16(POLLIN) != 0)

        let failures = Mutex<[String]>([])
        let writer = BackgroundThread {
            usleep(300_000)
            do { try journald.log(["one", "two", "three"], identifier: Self.identifier) } catch {
                failures.withLock { $0.append("\(error)") }
            }
        }
        defer { writer.join() }

        var messages: [String] = []
        var changes: [JournalChange] = []
        let deadline = monotonicNow() + 15
        while messages.count < 3, monotonicNow() < deadline {
            changes.append(try reader.wait(timeout: .seconds(1)))
            while let entry = try reader.next() { messages.append(entry.messageText) }
        }
        writer.join()
        #expect(failures.withLock { $0 } == [])
        #expect(messages == ["one", "two", "three"])
        // The reader was woken by the journal, not only by its timeouts.
        #expect(changes.contains { $0 != .nop })
        #expect(try reader.cursor().hasPrefix("s="))
    }

    /// Rounds of: log a batch, rotate, and once the reader has the batch, vacuum every
    /// archived file. The reader waits and reads throughout, treating `.invalidate` like
    /// `.append`: it must get every entry exactly once, in order, and its descriptors on
    /// journal files must not pile up.
    @Test func rotationAndVacuumLoseNothingAndKeepDescriptorsFlat() throws {
        let journald = try LiveJournald.start()
        defer { journald.stop() }
        let reader = try reader(for: journald)
        try reader.seekTail()

        let rounds = 12
        let batch = 40
        let expected = (0..<rounds).flatMap { round in (0..<batch).map { "round \(round) entry \($0)" } }
        let roundsRead = Atomic<Int>(0)
        let readerGaveUp = Atomic<Bool>(false)
        let failures = Mutex<[String]>([])
        let writer = BackgroundThread {
            if let failure = journald.logInRotatedRounds(
                expected, rounds: rounds, identifier: Self.identifier,
                hasRead: { roundsRead.load(ordering: .acquiring) > $0 }, gaveUp: { readerGaveUp.load(ordering: .relaxed) }) {
                failures.withLock { $0.append(failure) }
            }
        }
        defer {
            readerGaveUp.store(true, ordering: .relaxed)
            writer.join()
        }

        var messages: [String] = []
        var changes: [JournalChange] = []
        var samples: [(open: Int, deleted: Int)] = []
        let deadline = monotonicNow() + 90
        while messages.count < expected.count, monotonicNow() < deadline, failures.withLock({ $0.isEmpty }) {
            while let entry = try reader.next() { messages.append(entry.messageText) }
            // next() returned nil, so it has just processed pending file changes.
            let complete = messages.count / batch
            if complete > roundsRead.load(ordering: .relaxed) {
                samples.append(openJournalDescriptors())
                roundsRead.store(complete, ordering: .releasing)
            }
            if messages.count < expected.count { changes.append(try reader.wait(timeout: .milliseconds(500))) }
        }
        writer.join()

        #expect(failures.withLock { $0 } == [])
        #expect(messages.count == expected.count)
        #expect(messages == expected)
        #expect(changes.contains(.invalidate), "rotations were reported as invalidations")
        // The files vacuumed away are closed, and the count does not grow with the rotations.
        #expect(samples.count >= rounds / 2)
        #expect(samples.allSatisfy { $0.deleted == 0 }, "descriptors on deleted journal files: \(samples)")
        #expect(samples.allSatisfy { $0.open <= 3 }, "journal descriptors per round: \(samples)")
        #expect(journald.journalFiles().count <= 2)

        // The last entry's cursor survives its file being archived and vacuumed, and a
        // restart from it reads nothing twice.
        let cursor = try #require((try? reader.cursor()))
        let restarted = try self.reader(for: journald)
        _ = try restarted.seek(cursor: cursor)
        #expect(try readRemaining(restarted).map(\.messageText) == [])
    }

    /// journald is killed and comes back while the reader waits and reads; then the reader
    /// itself stops, more is logged, and a new reader resumes from the cursor. Every entry
    /// arrives exactly once, in order, and descriptors on the dead journald's files are released.
    @Test func journaldCrashAndReaderRestartLoseNothing() throws {
        let journald = try LiveJournald.start()
        defer { journald.stop() }
        var reader = try reader(for: journald)
        try reader.seekTail()

        func readUntil(_ count: Int, into messages: inout [String]) throws {
            let deadline = monotonicNow() + 20
            while messages.count < count, monotonicNow() < deadline {
                while let entry = try reader.next() { messages.append(entry.messageText) }
                if messages.count < count { _ = try reader.wait(timeout: .milliseconds(200)) }
            }
        }

        let rounds = 4
        let batch = 50
        let expected = (0..<rounds).flatMap { round in (0..<batch).map { "crash round \(round) entry \($0)" } }
        var messages: [String] = []
        for round in 0..<rounds {
            try journald.log(Array(expected[(round * batch)..<((round + 1) * batch)]), identifier: Self.identifier)
            try readUntil((round + 1) * batch, into: &messages)
            #expect(messages.count == (round + 1) * batch, "round \(round): \(messages.count) entries read")
            try journald.crashAndRestart()
        }
        // The new journald's entries are seen too, after the crash left its files dirty.
        let afterCrash = (0..<batch).map { "after crash entry \($0)" }
        try journald.log(afterCrash, identifier: Self.identifier)
        try readUntil(expected.count + batch, into: &messages)
        #expect(messages == expected + afterCrash)
        // Each restarted journald set the dead one's file aside as dirty (`.journal~`).
        let dirtyFiles = directoryEntries(journald.journalDirectory).flatMap { directoryEntries("\(journald.journalDirectory)/\($0)") }
            .filter { $0.hasSuffix(".journal~") }
        #expect(dirtyFiles.count >= rounds, "dirty files after \(rounds) crashes: \(dirtyFiles)")
        let descriptors = openJournalDescriptors()
        #expect(descriptors.deleted == 0, "descriptors on deleted journal files: \(descriptors)")

        // Stop the reader, log while it is down, resume from its cursor.
        let cursor = try reader.cursor()
        reader = try self.reader(for: journald)
        let whileDown = (0..<batch).map { "while down entry \($0)" }
        try journald.log(whileDown, identifier: Self.identifier)
        // What journald received but had not written yet dies with it: wait for the write.
        try journald.sync()
        try journald.crashAndRestart()
        _ = try reader.seek(cursor: cursor)
        var resumed: [String] = []
        let deadline = monotonicNow() + 20
        while resumed.count < batch, monotonicNow() < deadline {
            while let entry = try reader.next() { resumed.append(entry.messageText) }
            if resumed.count < batch { _ = try reader.wait(timeout: .milliseconds(200)) }
        }
        #expect(resumed == whileDown)
    }
}
