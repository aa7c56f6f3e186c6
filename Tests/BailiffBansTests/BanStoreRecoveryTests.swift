import BailiffBans
import BailiffTestSupport
import Foundation
import Testing

/// Damaged stores are moved aside, never deleted or overwritten, and an empty store takes
/// their place; only problems no new store could fix are thrown.
@Suite struct BanStoreRecoveryTests {
    /// 2026-01-01T00:00:00Z, so the names of moved files are known.
    let newYear = 1_767_225_600.0
    let movedName = "bans.sqlite3.corrupt-20260101T000000Z"

    /// Fills a store with enough bans to span many pages, closes it, and returns its bytes.
    func realStoreBytes(in directory: TemporaryDirectory) throws -> Data {
        let store = try openStore(directory)
        try store.add(contentsOf: (0..<3000).map { index in
            (ban: makeBan("10.1.\(index / 256).\(index % 256)", at: 1000, for: .seconds(Double(index + 1))),
             cause: BanCause(triggerCursor: "s=\(index)", failureCursors: ["a=\(index)", "b=\(index)"]))
        })
        try store.close()
        return try Data(contentsOf: URL(fileURLWithPath: store.path))
    }

    /// Opens the damaged store at `directory`, checks the report and that an empty, working
    /// store replaced it, and returns the report.
    func expectRecovery(in directory: TemporaryDirectory, original: Data) throws -> BanStoreRecovery {
        let opening = try BanStore.open(inDirectory: directory.path, now: newYear)
        let recovery = try #require(opening.recovery)
        let path = directory.file("bans.sqlite3")
        #expect(recovery.path == path)
        #expect(recovery.movedFiles.first?.description == "\(path) -> \(directory.file(movedName))")
        #expect(recovery.description.contains(path))
        #expect(recovery.description.contains(directory.file(movedName)))
        // The old bytes are kept for inspection, untouched.
        #expect(try Data(contentsOf: URL(fileURLWithPath: directory.file(movedName))) == original)
        #expect(try opening.store.activeBans(at: 0).isEmpty)
        try opening.store.add(makeBan("192.0.2.1"))
        #expect(try opening.store.activeBans(at: 1000).count == 1)
        try opening.store.close()
        return recovery
    }

    @Test func randomBytesAreMovedAside() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        var generator = SeededGenerator(seed: 42)
        let garbage = Data((0..<8192).map { _ in UInt8.random(in: 0...255, using: &generator) })
        try garbage.write(to: URL(fileURLWithPath: directory.file("bans.sqlite3")))
        let recovery = try expectRecovery(in: directory, original: garbage)
        #expect(recovery.problem.contains("not an SQLite database"), "\(recovery.problem)")
    }

    @Test func aTextFileIsMovedAside() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let text = Data("192.0.2.1 banned until tomorrow\n192.0.2.2 banned forever\n".utf8)
        try text.write(to: URL(fileURLWithPath: directory.file("bans.sqlite3")))
        _ = try expectRecovery(in: directory, original: text)
    }

    @Test(arguments: [0.5, 0.9, 0.02])
    func aTruncatedStoreIsMovedAside(keptFraction: Double) throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let bytes = try realStoreBytes(in: directory)
        #expect(bytes.count > 100_000)
        let truncated = bytes.prefix(Int(Double(bytes.count) * keptFraction))
        try truncated.write(to: URL(fileURLWithPath: directory.file("bans.sqlite3")))
        _ = try expectRecovery(in: directory, original: truncated)
    }

    @Test func aStoreCutInsideItsHeaderIsMovedAside() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let header = try realStoreBytes(in: directory).prefix(60)
        try header.write(to: URL(fileURLWithPath: directory.file("bans.sqlite3")))
        let recovery = try expectRecovery(in: directory, original: header)
        #expect(recovery.problem.contains("truncated"), "\(recovery.problem)")
    }

    @Test func overwrittenPagesFailTheIntegrityCheck() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        var bytes = try realStoreBytes(in: directory)
        // Scribble over a run of pages in the middle, leaving the header intact.
        let start = bytes.count / 2 / 4096 * 4096
        bytes.replaceSubrange(start..<start + 3 * 4096, with: Data(repeating: 0x5A, count: 3 * 4096))
        try bytes.write(to: URL(fileURLWithPath: directory.file("bans.sqlite3")))
        _ = try expectRecovery(in: directory, original: bytes)
    }

    @Test func companionFilesMoveWithTheStore() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let garbage = Data(repeating: 0xEE, count: 5000)
        for suffix in ["", "-wal", "-shm"] {
            try garbage.write(to: URL(fileURLWithPath: directory.file("bans.sqlite3" + suffix)))
        }
        let recovery = try expectRecovery(in: directory, original: garbage)
        #expect(recovery.movedFiles.map(\.to) == ["", "-wal", "-shm"].map { directory.file(movedName + $0) })
        for suffix in ["-wal", "-shm"] {
            #expect(try Data(contentsOf: URL(fileURLWithPath: directory.file(movedName + suffix))) == garbage)
        }
    }

    @Test func anEarlierMovedCopyIsNeverOverwritten() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let first = Data("first damaged store".utf8)
        let second = Data("second damaged store".utf8)
        try first.write(to: URL(fileURLWithPath: directory.file("bans.sqlite3")))
        _ = try expectRecovery(in: directory, original: first)

        try FileManager.default.removeItem(atPath: directory.file("bans.sqlite3"))
        try second.write(to: URL(fileURLWithPath: directory.file("bans.sqlite3")))
        let opening = try BanStore.open(inDirectory: directory.path, now: newYear)
        let recovery = try #require(opening.recovery)
        #expect(recovery.movedFiles.first?.to == directory.file(movedName + "-2"))
        #expect(try Data(contentsOf: URL(fileURLWithPath: directory.file(movedName))) == first)
        #expect(try Data(contentsOf: URL(fileURLWithPath: directory.file(movedName + "-2"))) == second)
        try opening.store.close()
    }

    @Test(.enabled(if: SQLiteShell.isAvailable, "needs the sqlite3 shell"))
    func anotherProgramsDatabaseIsMovedAsideUntouched() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file("bans.sqlite3")
        _ = try SQLiteShell.run(path, "CREATE TABLE users (name TEXT); INSERT INTO users VALUES ('alice');")
        let original = try Data(contentsOf: URL(fileURLWithPath: path))
        let recovery = try expectRecovery(in: directory, original: original)
        #expect(recovery.problem.contains("not a bailiff ban store"), "\(recovery.problem)")
        #expect(try SQLiteShell.run(directory.file(movedName), "SELECT name FROM users;") == "alice\n")
    }

    @Test(.enabled(if: SQLiteShell.isAvailable, "needs the sqlite3 shell"))
    func aStoreFromANewerVersionIsRefusedAndLeftInPlace() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try openStore(directory)
        try store.add(makeBan("192.0.2.1"))
        try store.close()
        _ = try SQLiteShell.run(store.path, "INSERT INTO grdb_migrations VALUES ('99: from the future');")
        let error = #expect(throws: BanStoreError.self) { try BanStore.open(inDirectory: directory.path) }
        #expect(error?.description.contains(store.path) == true)
        #expect(error?.message.contains("newer bailiff") == true)
        #expect(try directory.names() == ["bans.sqlite3"])
    }

    @Test func anEmptyFileIsANewStoreNotADamagedOne() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        _ = FileManager.default.createFile(atPath: directory.file("bans.sqlite3"), contents: Data())
        let store = try openStore(directory)
        try store.add(makeBan("192.0.2.1"))
        #expect(try store.activeBans(at: 1000).count == 1)
        try store.close()
        #expect(try directory.names() == ["bans.sqlite3"])
    }

    @Test func aDirectoryThatCannotExistIsAnErrorNamingThePath() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try Data("a file".utf8).write(to: URL(fileURLWithPath: directory.file("state")))
        let error = #expect(throws: BanStoreError.self) { try BanStore.open(inDirectory: directory.file("state")) }
        #expect(error?.path == directory.file("state/bans.sqlite3"))
        #expect(error?.message.contains("\(directory.file("state")) exists but is not a directory") == true)
    }
}
