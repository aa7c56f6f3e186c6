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
    /// Bytes checked for ASCII at once: one stray byte only costs its own chunk's lines
    /// their fast path.
    static let asciiChunk = 1 << 16

    /// Whether a chunk is pure ASCII: sixty-four bytes a step, in vector registers.
    static func isASCII(_ chunk: UnsafeRawBufferPointer) -> Bool {
        guard let base = chunk.baseAddress else { return true }
        var accumulated = SIMD16<UInt8>()
        var index = 0
        while index + 64 <= chunk.count {
            accumulated |= base.loadUnaligned(fromByteOffset: index, as: SIMD16<UInt8>.self)
                | base.loadUnaligned(fromByteOffset: index + 16, as: SIMD16<UInt8>.self)
                | base.loadUnaligned(fromByteOffset: index + 32, as: SIMD16<UInt8>.self)
                | base.loadUnaligned(fromByteOffset: index + 48, as: SIMD16<UInt8>.self)
            index += 64
        }
        guard !any(accumulated .>= 0x80) else { return false }
        return UTF8Repair.isASCII(UnsafeRawBufferPointer(rebasing: chunk[index...]))
    }

    /// - Parameter path: a file, or `-` for standard input.
    public static func forEachLine(path: String, _ body: (UnsafeRawBufferPointer) throws -> Void) throws {
        try forEachLine(path: path) { line, _ in try body(line) }
    }

    /// Also tells, per line, what the reader learnt about it on the way: no line holds a
    /// line feed, and lines of chunks found to be pure ASCII are said to be.
    /// - Parameter path: a file, or `-` for standard input.
    public static func forEachLine(path: String, _ body: (UnsafeRawBufferPointer, LineFacts) throws -> Void) throws {
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
                if filled > 0 {
                    try storage.withUnsafeBytes { buffer in
                        let line = UnsafeRawBufferPointer(rebasing: buffer[0..<filled])
                        try body(line, LineFacts(isASCII: UTF8Repair.isASCII(line), lacksLineFeed: true))
                    }
                }
                return
            }
            var start = 0
            try storage.withUnsafeBytes { buffer in
                let base = buffer.baseAddress!
                // Bytes before `checkedEnd` have been checked; those from `dirtyEnd` on are ASCII.
                var checkedEnd = 0
                var dirtyEnd = 0
                while start < filled {
                    guard let hit = memchr(base + start, 0x0A, filled - start) else { break }
                    let end = base.distance(to: UnsafeRawPointer(hit))
                    while checkedEnd < end {
                        let chunkEnd = min(max(end, checkedEnd + asciiChunk), filled)
                        if !isASCII(UnsafeRawBufferPointer(rebasing: buffer[checkedEnd..<chunkEnd])) { dirtyEnd = chunkEnd }
                        checkedEnd = chunkEnd
                    }
                    var lineEnd = end
                    if lineEnd > start, buffer[lineEnd - 1] == 0x0D { lineEnd -= 1 }
                    try body(UnsafeRawBufferPointer(rebasing: buffer[start..<lineEnd]), LineFacts(isASCII: start >= dirtyEnd, lacksLineFeed: true))
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
