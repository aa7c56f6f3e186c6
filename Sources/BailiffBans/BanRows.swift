import GRDB

/// How a `Ban` and its `BanCause` map to the columns of `active_bans`.
enum BanRows {
    /// The columns `ban(from:)` reads, in its order.
    static let banColumns = "jail, target, banned_at, duration, ban_number, failures, source"
    static let banColumnCount = 7

    static func ban(from row: Row) -> Ban {
        let duration: Double? = row[3]
        return Ban(
            jail: row[0], target: row[1], bannedAt: row[2], duration: duration.map(BanDuration.seconds) ?? .permanent,
            banNumber: row[4], failures: row[5], source: BanSource(rawValue: row[6]))
    }

    /// The columns `cause(from:startingAt:)` reads, in its order.
    static let causeColumns = "failure_id, trigger_cursor, failure_cursors, matched_lines"

    static func cause(from row: Row, startingAt first: Int = 0) -> BanCause {
        BanCause(
            failureID: row[first], triggerCursor: row[first + 1], failureCursors: TextListCoding.decode(row[first + 2]),
            matchedLines: TextListCoding.decode(row[first + 3]))
    }

    static func bans(_ db: Database, where condition: String, arguments: StatementArguments = []) throws -> [Ban] {
        let statement = try db.cachedStatement(sql: "SELECT \(banColumns) FROM active_bans WHERE \(condition)")
        var bans: [Ban] = []
        let rows = try Row.fetchCursor(statement, arguments: arguments)
        while let row = try rows.next() { bans.append(ban(from: row)) }
        return bans
    }
}
