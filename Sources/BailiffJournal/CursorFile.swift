import Glibc

/// The file marking how far the journal has been acted on: one line holding a journal cursor,
/// readable by `journalctl --after-cursor="$(cat FILE)"`. Replaced atomically, so a crash
/// leaves either the old cursor or the new one, never a mix.
public struct CursorFile: Sendable {
    public let path: String

    /// Anything larger is not a cursor (they are about 130 bytes).
    static let maximumSize = 4096

    public init(path: String) {
        self.path = path
    }

    /// The stored cursor, or nil when the file does not exist.
    public func read() throws(CursorFileError) -> String? {
        // O_NONBLOCK: opening a FIFO planted at the path must not hang.
        let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY)
        if descriptor < 0 {
            if errno == ENOENT { return nil }
            throw .unreadable(path: path, errno: errno)
        }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw .unreadable(path: path, errno: errno) }
        if status.st_mode & S_IFMT != S_IFREG {
            throw .notARegularFile(path: path, kind: Self.kind(of: status.st_mode))
        }
        let content = try readContent(descriptor)
        return try parse(content)
    }

    private func readContent(_ descriptor: Int32) throws(CursorFileError) -> [UInt8] {
        var content = [UInt8](repeating: 0, count: Self.maximumSize + 1)
        var filled = 0
        while filled < content.count {
            let count = content.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress! + filled, $0.count - filled) }
            if count < 0 {
                if errno == EINTR { continue }
                throw .unreadable(path: path, errno: errno)
            }
            if count == 0 { break }
            filled += count
        }
        if filled > Self.maximumSize { throw .tooLarge(path: path, size: filled) }
        return Array(content[0..<filled])
    }

    private func parse(_ content: [UInt8]) throws(CursorFileError) -> String {
        let isBlank: (UInt8) -> Bool = { $0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }
        if content.allSatisfy(isBlank) { throw .empty(path: path) }
        // Printable ASCII and newlines only; tabs and carriage returns do not occur in cursors either.
        if content.contains(where: { ($0 < 0x20 && $0 != 0x0A) || $0 >= 0x7F }) { throw .notText(path: path) }
        var text = content
        if text.last == 0x0A { text.removeLast() }
        let lines = text.split(separator: 0x0A, omittingEmptySubsequences: false)
        if lines.count > 1 { throw .severalLines(path: path, count: lines.count) }
        let line = String(decoding: text, as: UTF8.self)
        guard JournalCursor.isWellFormed(line) else { throw .notACursor(path: path, line: line) }
        return line
    }

    /// Replaces the file's content with `cursor` atomically (see `AtomicFile`): a crash leaves
    /// the old cursor or the new one. Creates missing directories (mode 0700); the file gets mode 0600.
    public func write(_ cursor: String) throws(CursorFileError) {
        guard JournalCursor.isWellFormed(cursor) else { throw .invalidCursor(cursor) }
        do throws(AtomicFileError) {
            try AtomicFile.replace(path: path, contents: Array((cursor + "\n").utf8), mode: 0o600)
        } catch {
            throw .unwritable(path: path, step: error.step, errno: error.errno)
        }
    }

    private static func kind(of mode: mode_t) -> String {
        switch mode & S_IFMT {
        case S_IFDIR: return "directory"
        case S_IFIFO: return "FIFO"
        case S_IFSOCK: return "socket"
        case S_IFCHR: return "character device"
        case S_IFBLK: return "block device"
        default: return "special file"
        }
    }
}
