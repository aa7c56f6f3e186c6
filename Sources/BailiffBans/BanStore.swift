import GRDB

/// The durable record of bans: the bans in force and the history that repeat-offender
/// escalation counts. Every change is on disk when its method returns (write-ahead log
/// with full synchronisation), so a crash or power cut at any instant loses no ban that was
/// reported as made. One SQLite connection serialises all access; the engine is expected to
/// use the store from one task at a time.
public final class BanStore: Sendable {
    public static let defaultFileName = "bans.sqlite3"
    /// How long unbanned history keeps counting for escalation, as fail2ban's `dbpurgeage`.
    public static let defaultHistoryAge: Double = 86_400

    public let path: String
    let database: DatabaseQueue

    private init(path: String, database: DatabaseQueue) {
        self.path = path
        self.database = database
    }

    /// Opens `fileName` in `directory`, creating both when missing; see `open(atPath:now:)`.
    public static func open(
        inDirectory directory: String, fileName: String = defaultFileName, now: Double? = nil
    ) throws(BanStoreError) -> BanStoreOpening {
        try open(atPath: directory.hasSuffix("/") ? directory + fileName : "\(directory)/\(fileName)", now: now)
    }

    /// Opens the store at `path`, creating it when missing. A store that is damaged or not
    /// a bailiff store is moved aside to `<name>.corrupt-<UTC time>` (the time is `now`,
    /// the current time by default) and replaced by an empty one, which the result reports.
    /// Throws only when no store can be used at all: the directory is not writable, the
    /// disk is full, another process holds the store, or a newer bailiff wrote it.
    public static func open(atPath path: String, now: Double? = nil) throws(BanStoreError) -> BanStoreOpening {
        try BanStoreFiles.prepareDirectory(of: path)
        let damage: StoreDamage
        do {
            return BanStoreOpening(store: try connect(path), recovery: nil)
        } catch {
            switch error {
            case .failed(let error): throw error
            case .damaged(let found): damage = found
            }
        }
        let moved = try BanStoreFiles.moveAside(path, at: now ?? BanStoreFiles.currentTime())
        do {
            let store = try connect(path)
            return BanStoreOpening(store: store, recovery: BanStoreRecovery(path: path, problem: damage.problem, movedFiles: moved))
        } catch {
            switch error {
            case .failed(let error): throw error
            case .damaged(let again):
                throw BanStoreError(
                    path: path, message: "a new, empty store could not be created in place of the damaged one: \(again.problem)")
            }
        }
    }

    /// Closes the connection; later calls fail. Closing is optional (the store closes when
    /// released) but reports problems, and makes SQLite fold the write-ahead log back into
    /// the main file.
    public func close() throws(BanStoreError) {
        do { try database.close() } catch { throw BanStoreError(path: path, failedTo: "close", because: error) }
    }

    enum ConnectFailure: Error {
        case damaged(StoreDamage)
        case failed(BanStoreError)
    }

    private static func connect(_ path: String) throws(ConnectFailure) -> BanStore {
        // Garbage is recognised before SQLite opens it: closing a connection to it would
        // delete the -wal file beside it, which belongs with the evidence.
        if let problem = BanStoreFiles.headerProblem(path) { throw .damaged(StoreDamage(problem: problem)) }
        let fileExisted = BanStoreFiles.exists(path)
        let database: DatabaseQueue
        do {
            database = try DatabaseQueue(path: path, configuration: configuration)
        } catch {
            throw failure(error, path: path, fileExisted: fileExisted)
        }
        do {
            // Nothing is written before the file has passed these checks, so a file that
            // fails them is moved aside exactly as it was found.
            try database.writeWithoutTransaction { db in
                try checkIntegrity(db)
                try checkOwnership(db, path: path)
                try enableDurableLogging(db)
            }
            try BanStoreSchema.migrator.migrate(database)
        } catch {
            try? database.close()
            throw failure(error, path: path, fileExisted: fileExisted)
        }
        return BanStore(path: path, database: database)
    }

    private static var configuration: Configuration {
        var configuration = Configuration()
        configuration.label = "bailiff ban store"
        // A second process (a backup, sqlite3 by hand) may hold a lock for a moment.
        configuration.busyMode = .timeout(5)
        return configuration
    }

    /// Write-ahead logging with a flush at every commit: a ban reported as made survives a
    /// crash or a power cut. (GRDB's own WAL option lowers synchronous to NORMAL, which may
    /// lose the last commits on power loss, so it is not used.) The connection lives as long
    /// as the store, so setting synchronous once covers every later write.
    private static func enableDurableLogging(_ db: Database) throws {
        let mode = try String.fetchOne(db, sql: "PRAGMA journal_mode = WAL")
        guard mode?.lowercased() == "wal" else {
            throw DatabaseError(message: "could not switch to write-ahead logging (journal mode is \(mode ?? "unknown"))")
        }
        try db.execute(sql: "PRAGMA synchronous = FULL")
    }

    private static func failure(_ error: any Error, path: String, fileExisted: Bool) -> ConnectFailure {
        if let damage = error as? StoreDamage { return .damaged(damage) }
        if let error = error as? BanStoreError { return .failed(error) }
        if let damage = StoreDamage(error, fileExists: fileExisted) { return .damaged(damage) }
        return .failed(BanStoreError(path: path, failedTo: "open", because: error))
    }

    private static func checkIntegrity(_ db: Database) throws {
        let findings = try String.fetchAll(db, sql: "PRAGMA quick_check")
        guard findings == ["ok"] else {
            throw StoreDamage(problem: "failed its integrity check: " + findings.prefix(3).joined(separator: "; "))
        }
    }

    /// Refuses to add tables to another program's database, and to downgrade a store a
    /// newer bailiff has migrated (moving that aside would drop bans a newer version still reads).
    private static func checkOwnership(_ db: Database, path: String) throws {
        let tables = try String.fetchAll(
            db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
        guard !tables.isEmpty else { return }
        let migrator = BanStoreSchema.migrator
        let known = try migrator.appliedMigrations(db)
        guard !known.isEmpty || tables == ["grdb_migrations"] else {
            throw StoreDamage(problem: "it is not a bailiff ban store (it holds tables \(tables.joined(separator: ", ")))")
        }
        if try migrator.hasBeenSuperseded(db) {
            let unknown = try migrator.appliedIdentifiers(db).subtracting(known).sorted()
            throw BanStoreError(
                path: path,
                message: "it was written by a newer bailiff (schema \(unknown.joined(separator: ", "))); "
                    + "run that version, or move the file away to start with no bans")
        }
    }
}
