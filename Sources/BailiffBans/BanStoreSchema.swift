import GRDB

/// The ban store's tables, versioned so a later bailiff can migrate a store in place.
enum BanStoreSchema {
    static let migrator: DatabaseMigrator = {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("1: active bans and ban history") { db in
            // One row per ban ever made; escalation counts these, so they outlive unbans
            // until purged by age. A NULL duration is a permanent ban.
            try db.execute(sql: """
                CREATE TABLE ban_history (
                    id INTEGER PRIMARY KEY,
                    jail TEXT NOT NULL,
                    target TEXT NOT NULL,
                    banned_at REAL NOT NULL,
                    duration REAL
                );
                CREATE INDEX ban_history_by_target ON ban_history(target, banned_at);
                CREATE INDEX ban_history_by_time ON ban_history(banned_at);
                """)
            // The bans in force (or expired and not yet lifted). NULL duration and expiry mean
            // permanent. The evidence columns hold TextListCoding lists.
            try db.execute(sql: """
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
                """)
        }
        migrator.registerMigration("2: failure ids and audit marks of active bans") { db in
            // audit_pending is set with a new ban and cleared once its audit entry is sent,
            // so a start after a crash in between knows which entries to look for.
            try db.execute(sql: """
                ALTER TABLE active_bans ADD COLUMN failure_id TEXT;
                ALTER TABLE active_bans ADD COLUMN audit_pending INTEGER NOT NULL DEFAULT 0;
                """)
        }
        return migrator
    }()
}
