import GRDB

/// A store file that cannot be used as it is (garbage, truncated, failing its integrity
/// check, or not a bailiff store), as opposed to a failure that moving it aside would not
/// fix (a full disk, a lock held by another process).
struct StoreDamage: Error {
    let problem: String

    /// The damage an SQLite error reports, or nil when the error is of another kind.
    init?(_ error: any Error, fileExists: Bool) {
        guard let error = error as? DatabaseError else { return nil }
        let detail = error.message.map { ": \($0)" } ?? ""
        let code = error.extendedResultCode
        if error.resultCode == .SQLITE_NOTADB {
            problem = "not an SQLite database\(detail)"
        } else if error.resultCode == .SQLITE_CORRUPT {
            problem = "the database is corrupt\(detail)"
        } else if error.resultCode == .SQLITE_FORMAT {
            problem = "unknown database format\(detail)"
        } else if code == .SQLITE_IOERR_SHORT_READ {
            problem = "the file is truncated\(detail)"
        } else if code == .SQLITE_IOERR_READ {
            problem = "the file cannot be read\(detail)"
        } else if error.resultCode == .SQLITE_CANTOPEN, fileExists {
            // The directory was checked to be writable, so the file itself is unusable.
            problem = "the file cannot be opened\(detail)"
        } else {
            return nil
        }
    }

    init(problem: String) {
        self.problem = problem
    }
}
