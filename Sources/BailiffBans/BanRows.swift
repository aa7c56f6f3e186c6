import GRDB

/// How a `Ban` maps to the columns of `active_bans`.
enum BanRows {
    /// The columns `ban(from:)` reads, in its order.
    static let banColumns = "jail, target, banned_at, duration, ban_number, failures, source"

    static func ban(from row: Row) -> Ban {
        let duration: Double? = row[3]
        return Ban(
            jail: row[0], target: row[1], bannedAt: row[2], duration: duration.map(BanDuration.seconds) ?? .permanent,
            banNumber: row[4], failures: row[5], source: BanSource(rawValue: row[6]))
    }

    static func bans(_ db: Database, where condition: String, arguments: StatementArguments = []) throws -> [Ban] {
        let statement = try db.cachedStatement(sql: "SELECT \(banColumns) FROM active_bans WHERE \(condition)")
        var bans: [Ban] = []
        let rows = try Row.fetchCursor(statement, arguments: arguments)
        while let row = try rows.next() { bans.append(ban(from: row)) }
        return bans
    }
}
