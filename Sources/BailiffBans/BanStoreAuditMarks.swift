import GRDB

/// The audit mark of a ban: set when the ban is recorded, cleared once its audit entry has
/// been sent. A crash in between leaves the mark, so the next start can look the entry up
/// and write it if it never reached the journal.
extension BanStore {
    /// The recorded bans still marked, with what their audit entry is built from; oldest first.
    public func bansAwaitingAudit() throws(BanStoreError) -> [(ban: Ban, cause: BanCause)] {
        try read("read the bans awaiting their audit entry") { db in
            let rows = try Row.fetchCursor(
                db,
                sql: """
                    SELECT \(BanRows.banColumns), \(BanRows.causeColumns) FROM active_bans
                    WHERE audit_pending ORDER BY banned_at, jail, target
                    """)
            var found: [(ban: Ban, cause: BanCause)] = []
            while let row = try rows.next() { found.append((BanRows.ban(from: row), BanRows.cause(from: row, startingAt: BanRows.banColumnCount))) }
            return found
        }
    }

    /// Clears the marks of the recorded bans in `bans`' jails of `bans`' targets, in one transaction.
    public func clearAuditMarks(_ bans: [Ban]) throws(BanStoreError) {
        guard !bans.isEmpty else { return }
        try write("clear the audit marks of \(bans.count) bans") { db in
            let statement = try db.cachedStatement(sql: "UPDATE active_bans SET audit_pending = 0 WHERE jail = ? AND target = ?")
            for ban in bans { try statement.execute(arguments: [ban.jail, ban.target]) }
        }
    }
}
