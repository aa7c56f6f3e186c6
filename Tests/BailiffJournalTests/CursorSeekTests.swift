import BailiffJournal
import BailiffTestSupport
import Glibc
import Testing

/// Resuming from a cursor: the entry after it comes next, nothing twice, nothing skipped.
@Suite struct CursorSeekTests {
    /// Entries of two units, one second apart.
    static let entries: [ExportEntry] = (0..<24).map { index in
        ExportEntry(realtime: baseTime + UInt64(index) * 1_000_000, [
            "_SYSTEMD_UNIT": index % 3 == 0 ? "cron.service" : "sshd.service",
            "SYSLOG_IDENTIFIER": "test",
            "MESSAGE": "entry \(index)",
        ])
    }

    @Test(arguments: [nil, "_SYSTEMD_UNIT=sshd.service"])
    func everyCutPointContinuesRightAfterTheCursor(match: String?) throws {
        try withTemporaryDirectory { directory in
            let path = "\(directory)/sample.journal"
            try JournalFixture.writeJournal(Self.entries, to: path)
            let set = JournalMatchSet(try match.map { [try JournalMatch(parsing: $0)] } ?? [])
            let first = try JournalReader(source: .files([path]), matches: set)
            try first.seekHead()
            let all = try readRemaining(first, includingCursors: true)
            #expect(all.count == (match == nil ? 24 : 16))
            let cursors = all.map { $0.cursor! }
            #expect(Set(cursors).count == cursors.count)

            // A fresh reader per cut point, as after a restart...
            for (index, cursor) in cursors.enumerated() {
                let reader = try JournalReader(source: .files([path]), matches: set)
                #expect(try reader.seek(cursor: cursor) == .afterCursorEntry)
                #expect((try? reader.cursor()) == cursor)
                #expect(try readRemaining(reader).map(\.messageText) == all[(index + 1)...].map(\.messageText), "cut after \(all[index].messageText)")
                // At the end, the last entry read is still known: it is what a restart resumes from.
                #expect((try? reader.cursor()) == cursors.last)
            }
            // ...and one reader seeking back and forth.
            let reused = try JournalReader(source: .files([path]), matches: set)
            for index in [5, 0, 15, 2, cursors.count - 1] {
                #expect(try reused.seek(cursor: cursors[index]) == .afterCursorEntry)
                let next = try reused.next()
                #expect(next?.messageText == (index + 1 < all.count ? all[index + 1].messageText : nil))
                if next != nil { #expect(try reused.cursor() == cursors[index + 1]) }
            }
        }
    }

    @Test func cursorOfAnEntryTheNewMatchesExcludeStillCountsAsFound() throws {
        try withTemporaryDirectory { directory in
            let path = "\(directory)/sample.journal"
            try JournalFixture.writeJournal(Self.entries, to: path)
            let unfiltered = try JournalReader(source: .files([path]))
            try unfiltered.seekHead()
            let all = try readRemaining(unfiltered, includingCursors: true)
            // "entry 6" is cron's; resume with a sshd-only match after it.
            let reader = try JournalReader(source: .files([path]), matches: JournalMatchSet([try JournalMatch(parsing: "_SYSTEMD_UNIT=sshd.service")]))
            #expect(try reader.seek(cursor: all[6].cursor!) == .afterCursorEntry)
            #expect(try readRemaining(reader).map(\.messageText) == (7..<24).filter { $0 % 3 != 0 }.map { "entry \($0)" })
        }
    }

    /// Two journal files with interleaved times (as after journald restarts); the one holding
    /// the cursor's entry is deleted, as vacuuming would.
    @Test(arguments: [nil, "_SYSTEMD_UNIT=sshd.service"])
    func vanishedCursorEntryResumesAtTheNextEntryInTime(match: String?) throws {
        try withTemporaryDirectory { directory in
            let even = Self.entries.enumerated().filter { $0.offset % 2 == 0 }.map(\.element)
            let odd = Self.entries.enumerated().filter { $0.offset % 2 == 1 }.map(\.element)
            try JournalFixture.writeJournal(even, to: "\(directory)/even.journal")
            try JournalFixture.writeJournal(odd, to: "\(directory)/odd.journal")
            let set = JournalMatchSet(try match.map { [try JournalMatch(parsing: $0)] } ?? [])

            let before = try JournalReader(source: .directory(directory), matches: set)
            try before.seekHead()
            let all = try readRemaining(before, includingCursors: true)
            #expect(all.count == (match == nil ? 24 : 16))
            let cut = try #require(all.firstIndex { $0.messageText == "entry 10" })
            let cursor = all[cut].cursor!

            unlink("\(directory)/even.journal")
            let after = try JournalReader(source: .directory(directory), matches: set)
            #expect(try after.seek(cursor: cursor) == .cursorEntryGone)
            let expected = all[(cut + 1)...].filter { Int($0.messageText.split(separator: " ")[1])! % 2 == 1 }.map(\.messageText)
            #expect(expected.first == "entry 11")
            let resumed = try readRemaining(after, includingCursors: true)
            #expect(resumed.map(\.messageText) == expected)
            #expect((try? after.cursor()) == resumed.last?.cursor)
        }
    }

    @Test func noCursorBeforeAnEntryIsRead() throws {
        try withTemporaryDirectory { directory in
            let path = "\(directory)/sample.journal"
            try JournalFixture.writeJournal(Array(Self.entries.prefix(3)), to: path)
            let reader = try JournalReader(source: .files([path]))
            try reader.seekHead()
            #expect((try? reader.cursor()) == nil)
            #expect(throws: JournalError.self) { try reader.cursor() }
            let first = try #require(try reader.next(includingCursor: true))
            #expect((try? reader.cursor()) == first.cursor)
            try reader.seekTail()
            #expect((try? reader.cursor()) == nil)
            #expect(try reader.next() == nil)
        }
    }

    @Test func cursorOfAnotherJournalResumesByTime() throws {
        try withTemporaryDirectory { directory in
            let path = "\(directory)/sample.journal"
            try JournalFixture.writeJournal(Self.entries, to: path)
            let reader = try JournalReader(source: .files([path]))
            // Unknown sequence and boot ids; the time lies between entry 4 and entry 5.
            let realtime = String(baseTime + 4_500_000, radix: 16)
            let foreign = "s=00000000000000000000000000000001;i=7;b=00000000000000000000000000000002;m=1;t=\(realtime);x=0"
            #expect(try reader.seek(cursor: foreign) == .cursorEntryGone)
            #expect((try? reader.cursor()) == nil)
            let resumed = try #require(try reader.next(includingCursor: true))
            #expect(resumed.messageText == "entry 5")
            #expect((try? reader.cursor()) == resumed.cursor)
        }
    }

    @Test(arguments: ["garbage", "", "s=zz;i=1", "-- cursor: s=1"])
    func malformedCursorIsReportedAsSuch(cursor: String) throws {
        try withTemporaryDirectory { directory in
            let path = "\(directory)/sample.journal"
            try JournalFixture.writeJournal(Array(Self.entries.prefix(3)), to: path)
            let reader = try JournalReader(source: .files([path]))
            #expect(throws: JournalError.malformedCursor(cursor)) { try reader.seek(cursor: cursor) }
            #expect(JournalError.malformedCursor(cursor).description.contains("malformed journal cursor"))
            // The reader stays usable.
            try reader.seekHead()
            #expect(try reader.next()?.messageText == "entry 0")
        }
    }

    @Test func openingWhatIsNotAJournalNamesIt() throws {
        try withTemporaryDirectory { directory in
            let missing = "\(directory)/missing.journal"
            #expect {
                _ = try JournalReader(source: .files([missing]))
            } throws: { error in
                (error as? JournalError)?.description == "opening the journal files \(missing): No such file or directory"
            }
        }
    }
}
