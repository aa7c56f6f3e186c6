import GRDB

/// Changing the store. Each method is one transaction, on disk when it returns.
extension BanStore {
    /// Records a ban. A target already banned in the jail is not banned twice: the ban is
    /// prolonged when the new one ends later, and left alone otherwise (see `BanAddition`).
    /// A recorded ban whose time is up is replaced as a new ban. A new ban carries the audit
    /// mark until `clearAuditMarks` (see `bansAwaitingAudit`); a prolonged one keeps its own.
    @discardableResult
    public func add(_ ban: Ban, cause: BanCause = BanCause()) throws(BanStoreError) -> BanAddition {
        try write("record the ban of \(ban.target) in jail \(ban.jail)") { db in
            try BanStore.record(ban, cause: cause, db)
        }
    }

    /// Records many bans in one transaction (one disk flush instead of one per ban), in order,
    /// each as `add` would.
    @discardableResult
    public func add(contentsOf bans: [(ban: Ban, cause: BanCause)]) throws(BanStoreError) -> [BanAddition] {
        try write("record \(bans.count) bans") { db in
            try bans.map { entry in try BanStore.record(entry.ban, cause: entry.cause, db) }
        }
    }

    /// Lifts the ban of `target` in `jail`; returns it, or nil when there was none.
    @discardableResult
    public func remove(_ target: String, fromJail jail: String) throws(BanStoreError) -> Ban? {
        try remove(where: "jail = ? AND target = ?", arguments: [jail, target], "lift the ban of \(target) in jail \(jail)").first
    }

    /// Lifts the bans of `targets` in `jail`; returns those that were recorded.
    @discardableResult
    public func remove(_ targets: [String], fromJail jail: String) throws(BanStoreError) -> [Ban] {
        try write("lift \(targets.count) bans in jail \(jail)") { db in
            try targets.flatMap { target in
                try BanStore.delete(where: "jail = ? AND target = ?", arguments: [jail, target], db)
            }
        }
    }

    /// Lifts the bans of `target` in every jail; returns them.
    @discardableResult
    public func removeFromAllJails(_ target: String) throws(BanStoreError) -> [Ban] {
        try remove(where: "target = ?", arguments: [target], "lift the bans of \(target)")
    }

    /// Lifts every ban of `jail`, as when the jail stops; returns them.
    @discardableResult
    public func removeAll(inJail jail: String) throws(BanStoreError) -> [Ban] {
        try remove(where: "jail = ?", arguments: [jail], "lift the bans of jail \(jail)")
    }

    /// Forgets history older than `age` seconds before `time` (fail2ban's `dbpurgeage`), so
    /// old offences stop counting for escalation. A history entry ages from the end of its
    /// ban, and the entries of recorded bans are kept whatever their age. Returns how many
    /// entries were forgotten.
    @discardableResult
    public func purgeHistory(olderThan age: Double = defaultHistoryAge, at time: Double) throws(BanStoreError) -> Int {
        try write("purge the ban history") { db in
            try db.execute(
                sql: """
                    DELETE FROM ban_history
                    WHERE banned_at < :cutoff AND banned_at + COALESCE(duration, 0) < :cutoff
                        AND id NOT IN (SELECT history_id FROM active_bans)
                    """,
                arguments: ["cutoff": time - age])
            return db.changesCount
        }
    }

    func write<Value>(_ operation: String, _ body: (Database) throws -> Value) throws(BanStoreError) -> Value {
        do { return try database.write(body) } catch { throw BanStoreError(path: path, failedTo: operation, because: error) }
    }

    private func remove(where condition: String, arguments: StatementArguments, _ operation: String) throws(BanStoreError) -> [Ban] {
        try write(operation) { db in try BanStore.delete(where: condition, arguments: arguments, db) }
    }

    private static func delete(where condition: String, arguments: StatementArguments, _ db: Database) throws -> [Ban] {
        let removed = try BanRows.bans(db, where: "\(condition) ORDER BY expires_at IS NULL, expires_at, jail, target", arguments: arguments)
        if !removed.isEmpty {
            try db.execute(sql: "DELETE FROM active_bans WHERE \(condition)", arguments: arguments)
        }
        return removed
    }

    private static func record(_ ban: Ban, cause: BanCause, _ db: Database) throws -> BanAddition {
        let existing = try Row.fetchOne(
            db.cachedStatement(sql: "SELECT \(BanRows.banColumns), history_id FROM active_bans WHERE jail = ? AND target = ?"),
            arguments: [ban.jail, ban.target])
        if let existing {
            let previous = BanRows.ban(from: existing)
            if previous.isActive(at: ban.bannedAt) {
                guard ban.duration.outlasts(previous.duration, startingAt: ban.bannedAt, otherStartingAt: previous.bannedAt) else {
                    return .alreadyCovered(previous)
                }
                var current = ban
                // Still the same ban period, so still the same place in the escalation.
                current.banNumber = previous.banNumber
                try prolong(previous, to: current, cause: cause, historyID: existing[7], db)
                return .prolonged(previous: previous, current: current)
            }
            try db.cachedStatement(sql: "DELETE FROM active_bans WHERE jail = ? AND target = ?")
                .execute(arguments: [ban.jail, ban.target])
        }
        try db.cachedStatement(sql: "INSERT INTO ban_history (jail, target, banned_at, duration) VALUES (?, ?, ?, ?)")
            .execute(arguments: [ban.jail, ban.target, ban.bannedAt, ban.duration.seconds])
        try db.cachedStatement(
            sql: """
                INSERT INTO active_bans (jail, target, banned_at, duration, expires_at, ban_number, failures, source,
                    trigger_cursor, failure_cursors, matched_lines, history_id, failure_id, audit_pending)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)
                """
        ).execute(arguments: [
            ban.jail, ban.target, ban.bannedAt, ban.duration.seconds, ban.expiresAt, ban.banNumber, ban.failures,
            ban.source.rawValue, cause.triggerCursor, TextListCoding.encode(cause.failureCursors),
            TextListCoding.encode(cause.matchedLines), db.lastInsertedRowID, cause.failureID,
        ])
        return .added(ban)
    }

    private static func prolong(_ previous: Ban, to current: Ban, cause: BanCause, historyID: Int64, _ db: Database) throws {
        try db.cachedStatement(
            sql: """
                UPDATE active_bans SET banned_at = ?, duration = ?, expires_at = ?, failures = ?, source = ?,
                    trigger_cursor = ?, failure_cursors = ?, matched_lines = ?, failure_id = ?
                WHERE jail = ? AND target = ?
                """
        ).execute(arguments: [
            current.bannedAt, current.duration.seconds, current.expiresAt, current.failures, current.source.rawValue,
            cause.triggerCursor, TextListCoding.encode(cause.failureCursors), TextListCoding.encode(cause.matchedLines),
            cause.failureID, current.jail, current.target,
        ])
        // The history keeps the period's start and stretches its end, so purging by age and
        // counting since a time see one ban lasting until the new expiry.
        let extended = current.expiresAt.map { $0 - previous.bannedAt }
        try db.cachedStatement(sql: "UPDATE ban_history SET duration = ? WHERE id = ?").execute(arguments: [extended, historyID])
    }
}
