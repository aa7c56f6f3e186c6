import Glibc

/// The file-system work around the ban store: its directory, and moving a damaged store
/// aside so a new one can start without destroying the evidence.
enum BanStoreFiles {
    /// The files SQLite may keep next to a database.
    static let companionSuffixes = ["-wal", "-shm", "-journal"]

    static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    static func exists(_ path: String) -> Bool {
        var status = stat()
        return lstat(path, &status) == 0
    }

    /// Why the file at `path` cannot be an SQLite database, judging by its first bytes; nil
    /// when it is missing, empty (SQLite makes a new database of it) or starts like one.
    static func headerProblem(_ path: String) -> String? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            return errno == ENOENT ? nil : "the file cannot be read: \(errnoText())"
        }
        defer { _ = close(descriptor) }
        let magic = Array("SQLite format 3\0".utf8)
        // The header is 100 bytes; a shorter non-empty file was cut short.
        var header = [UInt8](repeating: 0, count: 100)
        var count = 0
        while count < header.count {
            let got = header.withUnsafeMutableBytes { read(descriptor, $0.baseAddress! + count, $0.count - count) }
            if got < 0, errno == EINTR { continue }
            guard got >= 0 else { return "the file cannot be read: \(errnoText())" }
            if got == 0 { break }
            count += got
        }
        if count == 0 { return nil }
        guard Array(header.prefix(magic.count)) == magic else { return "not an SQLite database: it lacks the SQLite header" }
        guard count == header.count else { return "the file is truncated inside its SQLite header (\(count) bytes)" }
        return nil
    }

    /// Creates the directory (and its parents) when missing and checks that the store can
    /// create files in it; this is the one failure no recovery can work around.
    static func prepareDirectory(of storePath: String) throws(BanStoreError) {
        let directory = directory(of: storePath)
        try createDirectories(directory, storePath: storePath)
        guard access(directory, W_OK | X_OK) == 0 else {
            throw BanStoreError(
                path: storePath,
                message: "directory \(directory) is not writable: \(errnoText()); the ban store needs to create files there")
        }
    }

    private static func createDirectories(_ directory: String, storePath: String) throws(BanStoreError) {
        var status = stat()
        if stat(directory, &status) == 0 {
            guard status.st_mode & S_IFMT == S_IFDIR else {
                throw BanStoreError(path: storePath, message: "\(directory) exists but is not a directory")
            }
            return
        }
        let parent = self.directory(of: directory)
        if parent != directory { try createDirectories(parent, storePath: storePath) }
        // State may name attackers and their targets: keep it from other users.
        guard mkdir(directory, 0o750) == 0 || errno == EEXIST else {
            throw BanStoreError(path: storePath, message: "cannot create directory \(directory): \(errnoText())")
        }
    }

    /// Renames the store and its companion files to `<name>.corrupt-<UTC time>`, adding a
    /// number when that name is taken so an earlier copy is never overwritten.
    static func moveAside(_ path: String, at time: Double) throws(BanStoreError) -> [MovedFile] {
        let base = "\(path).corrupt-\(utcTimestamp(time))"
        var destination = base
        var attempt = 1
        while ([""] + companionSuffixes).contains(where: { exists(destination + $0) }) {
            attempt += 1
            destination = "\(base)-\(attempt)"
        }
        var moved: [MovedFile] = []
        for suffix in [""] + companionSuffixes where exists(path + suffix) {
            guard rename(path + suffix, destination + suffix) == 0 else {
                throw BanStoreError(
                    path: path, message: "cannot move the damaged \(path + suffix) aside to \(destination + suffix): \(errnoText())")
            }
            moved.append(MovedFile(from: path + suffix, to: destination + suffix))
        }
        syncDirectory(of: path)
        return moved
    }

    /// Makes renames in the store's directory durable; best effort, as a failure here only
    /// risks the old name coming back after a power cut.
    static func syncDirectory(of path: String) {
        let descriptor = open(directory(of: path), O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { return }
        _ = fsync(descriptor)
        _ = close(descriptor)
    }

    /// `20260131T235959Z`: sortable, and free of characters that need quoting in a shell.
    static func utcTimestamp(_ time: Double) -> String {
        var seconds = time_t(time.rounded(.down))
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(parts.tm_year + 1900)\(two(parts.tm_mon + 1))\(two(parts.tm_mday))T"
            + "\(two(parts.tm_hour))\(two(parts.tm_min))\(two(parts.tm_sec))Z"
    }

    static func currentTime() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }

    static func errnoText() -> String {
        String(cString: strerror(errno))
    }
}
