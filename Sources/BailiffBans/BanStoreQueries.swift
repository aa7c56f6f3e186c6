import GRDB

/// Reading the store. None of these change anything, so loading the active bans when the
/// daemon starts never counts as a new ban for escalation.
extension BanStore {
    /// The bans in force at `time` (all jails, or one), soonest expiry first and permanent
    /// bans last.
    public func activeBans(at time: Double, inJail jail: String? = nil) throws(BanStoreError) -> [Ban] {
        try read("read the active bans") { db in
            let jailCondition = jail == nil ? "" : " AND jail = ?"
            let jailArgument: StatementArguments = jail.map { [$0] } ?? []
            return try BanRows.bans(
                db, where: "expires_at > ?\(jailCondition) ORDER BY expires_at, jail, target", arguments: [time] + jailArgument)
                + BanRows.bans(db, where: "expires_at IS NULL\(jailCondition) ORDER BY banned_at, jail, target", arguments: jailArgument)
        }
    }

    /// How many bans are in force at `time`, per jail (jails without any are absent).
    public func activeBanCounts(at time: Double) throws(BanStoreError) -> [String: Int] {
        try read("count the active bans") { db in
            let rows = try Row.fetchAll(
                db, sql: "SELECT jail, COUNT(*) AS bans FROM active_bans WHERE expires_at IS NULL OR expires_at > ? GROUP BY jail",
                arguments: [time])
            return Dictionary(uniqueKeysWithValues: rows.map { (row: Row) -> (String, Int) in (row["jail"], row["bans"]) })
        }
    }

    /// The ban of `target` in `jail` if one is in force at `time`.
    public func activeBan(of target: String, inJail jail: String, at time: Double) throws(BanStoreError) -> Ban? {
        try read("read the ban of \(target) in jail \(jail)") { db in
            try BanRows.bans(
                db, where: "jail = ? AND target = ? AND (expires_at IS NULL OR expires_at > ?)", arguments: [jail, target, time]
            ).first
        }
    }

    /// Bans whose time is up at `time` but that are still recorded as in force: the ones to
    /// lift now. Soonest expiry first.
    public func expiredBans(at time: Double) throws(BanStoreError) -> [Ban] {
        try read("read the expired bans") { db in
            try BanRows.bans(db, where: "expires_at <= ? ORDER BY expires_at, jail, target", arguments: [time])
        }
    }

    /// The earliest expiry among the recorded bans (possibly already past); nil when no
    /// timed ban is recorded.
    public func nextExpiry() throws(BanStoreError) -> Double? {
        try read("read the next expiry") { db in
            try Double.fetchOne(db, sql: "SELECT MIN(expires_at) FROM active_bans")
        }
    }

    /// How many bans of `target` started at or after `since`, in `jail` or in every jail when
    /// `jail` is nil: the `n` of ban time escalation. Lifted and expired bans still count
    /// until the history is purged.
    public func earlierBanCount(of target: String, inJail jail: String?, since: Double = -.infinity) throws(BanStoreError) -> Int {
        try read("count the earlier bans of \(target)") { db in
            // Cached statements: a burst of bans asks this once per address.
            if let jail {
                return try Int.fetchOne(
                    db.cachedStatement(sql: "SELECT COUNT(*) FROM ban_history WHERE target = ? AND banned_at >= ? AND jail = ?"),
                    arguments: [target, since, jail]) ?? 0
            }
            return try Int.fetchOne(
                db.cachedStatement(sql: "SELECT COUNT(*) FROM ban_history WHERE target = ? AND banned_at >= ?"),
                arguments: [target, since]) ?? 0
        }
    }

    /// The evidence recorded with the ban of `target` in `jail`, while that ban is recorded.
    public func cause(ofBan target: String, inJail jail: String) throws(BanStoreError) -> BanCause? {
        try read("read the cause of the ban of \(target) in jail \(jail)") { db in
            let row = try Row.fetchOne(
                db, sql: "SELECT \(BanRows.causeColumns) FROM active_bans WHERE jail = ? AND target = ?", arguments: [jail, target])
            return row.map { BanRows.cause(from: $0) }
        }
    }

    /// Runs `body` in a deferred transaction. Not `DatabaseQueue.read`: its read-only guard
    /// turns `PRAGMA query_only` on and off, and SQLite expires every prepared statement at
    /// such a pragma, so each read, and each write after one, would compile its statements
    /// again (most of the cost of a burst of bans, which reads once per address).
    func read<Value>(_ operation: String, _ body: (Database) throws -> Value) throws(BanStoreError) -> Value {
        do {
            return try database.unsafeRead { db in
                var value: Value?
                try db.inTransaction(.deferred) {
                    value = try body(db)
                    return .commit
                }
                return value!
            }
        } catch {
            throw BanStoreError(path: path, failedTo: operation, because: error)
        }
    }
}

extension BanStore {
    /// The connection's value of an SQLite pragma such as `synchronous`, to confirm the
    /// durability settings in diagnostics.
    func pragmaValue(_ name: String) throws(BanStoreError) -> String? {
        try read("read PRAGMA \(name)") { db in try String.fetchOne(db, sql: "PRAGMA \(name)") }
    }
}
