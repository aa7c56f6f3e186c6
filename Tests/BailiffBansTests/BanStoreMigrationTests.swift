import BailiffBans
import Foundation
import Testing

/// Stores written by an earlier bailiff open in place: migrated, every ban and all history kept.
@Suite(.enabled(if: SQLiteShell.isAvailable, "needs the sqlite3 shell"))
struct BanStoreMigrationTests {
    /// A store as the first schema left it (`sqlite3 .schema` of one), with two bans in
    /// force, one of them with its evidence, and one lifted ban in the history.
    static let versionOneStore = """
        PRAGMA journal_mode = WAL;
        CREATE TABLE grdb_migrations (identifier TEXT NOT NULL PRIMARY KEY);
        CREATE TABLE ban_history (
            id INTEGER PRIMARY KEY,
            jail TEXT NOT NULL,
            target TEXT NOT NULL,
            banned_at REAL NOT NULL,
            duration REAL
        );
        CREATE INDEX ban_history_by_target ON ban_history(target, banned_at);
        CREATE INDEX ban_history_by_time ON ban_history(banned_at);
        CREATE TABLE active_bans (
            jail TEXT NOT NULL,
            target TEXT NOT NULL,
            banned_at REAL NOT NULL,
            duration REAL,
            expires_at REAL,
            ban_number INTEGER NOT NULL,
            failures INTEGER NOT NULL,
            source TEXT NOT NULL,
            trigger_cursor TEXT,
            failure_cursors TEXT,
            matched_lines TEXT,
            history_id INTEGER NOT NULL REFERENCES ban_history(id),
            PRIMARY KEY (jail, target)
        );
        CREATE INDEX active_bans_by_expiry ON active_bans(expires_at, jail, target);
        CREATE INDEX active_bans_by_history ON active_bans(history_id);
        INSERT INTO grdb_migrations VALUES ('1: active bans and ban history');
        INSERT INTO ban_history VALUES (1, 'sshd', '192.0.2.1', 900.0, 60.0);
        INSERT INTO ban_history VALUES (2, 'sshd', '192.0.2.1', 1000.0, 600.0);
        INSERT INTO ban_history VALUES (3, 'nginx', '2001:db8::/64', 1000.0, NULL);
        INSERT INTO active_bans VALUES ('sshd', '192.0.2.1', 1000.0, 600.0, 1600.0, 2, 5, 'journal',
            's=1;i=3', 's=1;i=1' || char(10) || 's=1;i=3', 'line one' || char(10) || 'line two', 2);
        INSERT INTO active_bans VALUES ('nginx', '2001:db8::/64', 1000.0, NULL, NULL, 1, 0, 'manual', NULL, NULL, NULL, 3);
        """

    @Test func aVersionOneStoreIsMigratedInPlaceKeepingEveryRow() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file("bans.sqlite3")
        _ = try SQLiteShell.run(path, Self.versionOneStore)
        #expect(try SQLiteShell.run(path, "SELECT COUNT(*) FROM active_bans;") == "2\n")

        let store = try openStore(directory)
        #expect(try directory.names().filter { $0.contains("corrupt") }.isEmpty, "migrated, not moved aside")
        #expect(try store.activeBans(at: 1000) == [
            makeBan("192.0.2.1", at: 1000, for: .seconds(600), number: 2, failures: 5),
            makeBan("2001:db8::/64", jail: "nginx", at: 1000, for: .permanent, failures: 0, source: .manual),
        ])
        #expect(try store.cause(ofBan: "192.0.2.1", inJail: "sshd") == BanCause(
            triggerCursor: "s=1;i=3", failureCursors: ["s=1;i=1", "s=1;i=3"], matchedLines: ["line one", "line two"]))
        #expect(try store.earlierBanCount(of: "192.0.2.1", inJail: "sshd") == 2)
        // The earlier bailiff wrote its entries as it banned: nothing is awaiting one.
        #expect(try store.bansAwaitingAudit().isEmpty)

        // Bans recorded from now on keep their failure id and carry the mark.
        let ban = makeBan("192.0.2.2", at: 1100)
        try store.add(ban, cause: BanCause(failureID: "192.0.2.2"))
        #expect(try store.bansAwaitingAudit().map(\.ban) == [ban])
        #expect(try store.cause(ofBan: "192.0.2.2", inJail: "sshd")?.failureID == "192.0.2.2")
        try store.close()
        #expect(try SQLiteShell.run(path, "SELECT identifier FROM grdb_migrations ORDER BY identifier;")
            == "1: active bans and ban history\n2: failure ids and audit marks of active bans\n")

        // Opening the migrated store again changes nothing.
        let reopened = try openStore(directory)
        #expect(try reopened.activeBans(at: 1100).count == 3)
        #expect(try reopened.bansAwaitingAudit().map(\.ban) == [ban])
        try reopened.close()
    }
}
