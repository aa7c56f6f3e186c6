import Glibc

/// Reads a file (or standard input) line by line in large blocks, handing each line's
/// bytes (without the newline) to a closure. Memory stays bounded by the block size
/// plus the longest line.
public struct LineReader {
    public struct Failure: Error, CustomStringConvertible {
        public let path: String
        public let reason: String
        public var description: String { "\(path): \(reason)" }
    }

    public static let blockSize = 1 << 20

    /// - Parameter path: a file, or `-` for standard input.
    public static func forEachLine(path: String, _ body: (UnsafeRawBufferPointer) throws -> Void) throws {
        let fd = path == "-" ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw Failure(path: path, reason: String(cString: strerror(errno))) }
        defer { if fd != STDIN_FILENO { close(fd) } }
        var storage = [UInt8](repeating: 0, count: blockSize)
        var carried = 0
        while true {
            if carried == storage.count { storage += [UInt8](repeating: 0, count: storage.count) }
            let count = storage.withUnsafeMutableBytes { buffer in
                read(fd, buffer.baseAddress! + carried, buffer.count - carried)
            }
            if count < 0 {
                if errno == EINTR { continue }
                throw Failure(path: path, reason: String(cString: strerror(errno)))
            }
            let filled = carried + count
            if count == 0 {
                if filled > 0 { try storage.withUnsafeBytes { try body(UnsafeRawBufferPointer(rebasing: $0[0..<filled])) } }
                return
            }
            var start = 0
            try storage.withUnsafeBytes { buffer in
                let base = buffer.baseAddress!
                while start < filled {
                    guard let hit = memchr(base + start, 0x0A, filled - start) else { break }
                    let end = base.distance(to: UnsafeRawPointer(hit))
                    var lineEnd = end
                    if lineEnd > start, buffer[lineEnd - 1] == 0x0D { lineEnd -= 1 }
                    try body(UnsafeRawBufferPointer(rebasing: buffer[start..<lineEnd]))
                    start = end + 1
                }
            }
            carried = filled - start
            if carried > 0, start > 0 {
                storage.withUnsafeMutableBytes { buffer in
                    _ = memmove(buffer.baseAddress!, buffer.baseAddress! + start, carried)
                }
            }
        }
    }
}
