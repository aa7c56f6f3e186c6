import Glibc

/// The shape of the cursors sd_journal_get_cursor produces:
/// `s=<seqnum id>;i=<seqnum>;b=<boot id>;m=<monotonic>;t=<realtime>;x=<xor hash>`, all hexadecimal.
public enum JournalCursor {
    private static let keys: [UInt8] = Array("sibmtx".utf8)

    /// Whether `text` has that shape (libsystemd decides whether it names an entry).
    public static func isWellFormed(_ text: String) -> Bool {
        let parts = text.utf8.split(separator: UInt8(ascii: ";"), omittingEmptySubsequences: false)
        guard parts.count == keys.count else { return false }
        for (part, key) in zip(parts, keys) {
            guard part.count >= 3, part.first == key, part[part.index(after: part.startIndex)] == UInt8(ascii: "=") else { return false }
            let digits = part.dropFirst(2)
            // The two 128-bit ids are exactly 32 digits; the counters are 64-bit.
            let idField = key == UInt8(ascii: "s") || key == UInt8(ascii: "b")
            guard idField ? digits.count == 32 : digits.count <= 16 else { return false }
            guard digits.allSatisfy(isHexDigit) else { return false }
        }
        return true
    }

    /// A cursor's parts as sd_journal_get_cursor writes them, the ids as byte ranges of the
    /// cursor, the numbers parsed.
    public struct Parts: Sendable, Equatable {
        public var seqnumID: Range<Int>
        public var seqnum: UInt64
        public var bootID: Range<Int>
        public var monotonic: UInt64
        public var realtime: UInt64
        public var xorHash: UInt64
    }

    /// The parts of a cursor of that exact shape and order; nil for anything else. One pass
    /// over the bytes: every entry's cursor is read this way.
    public static func parts(_ cursor: UnsafeRawBufferPointer) -> Parts? {
        if let parts = standardParts(cursor) { return parts }
        var scanner = PartScanner(bytes: cursor)
        guard let seqnumID = scanner.id(UInt8(ascii: "s")), let seqnum = scanner.number(UInt8(ascii: "i")),
              let bootID = scanner.id(UInt8(ascii: "b")), let monotonic = scanner.number(UInt8(ascii: "m")),
              let realtime = scanner.number(UInt8(ascii: "t")), let xorHash = scanner.number(UInt8(ascii: "x")),
              scanner.atEnd
        else { return nil }
        return Parts(seqnumID: seqnumID, seqnum: seqnum, bootID: bootID, monotonic: monotonic, realtime: realtime, xorHash: xorHash)
    }

    /// The parts of a cursor as libsystemd writes it, both ids 32 digits long; nil for any
    /// other cursor (which `parts` then reads the general way). The ids are stepped over by
    /// their length, not scanned.
    private static func standardParts(_ cursor: UnsafeRawBufferPointer) -> Parts? {
        let count = cursor.count
        // s=<32>;i=
        guard count > 80, cursor[0] == UInt8(ascii: "s"), cursor[1] == UInt8(ascii: "="), cursor[34] == UInt8(ascii: ";"),
              cursor[35] == UInt8(ascii: "i"), cursor[36] == UInt8(ascii: "="), isIDText(cursor, from: 2)
        else { return nil }
        var position = 37
        // <n>;b=<32>;m=
        guard let seqnum = hexNumber(cursor, at: &position), position + 37 < count, cursor[position] == UInt8(ascii: ";"),
              cursor[position + 1] == UInt8(ascii: "b"), cursor[position + 2] == UInt8(ascii: "="),
              cursor[position + 35] == UInt8(ascii: ";"), cursor[position + 36] == UInt8(ascii: "m"),
              cursor[position + 37] == UInt8(ascii: "="), isIDText(cursor, from: position + 3)
        else { return nil }
        let bootID = (position + 3)..<(position + 35)
        position += 38
        guard let monotonic = hexNumber(cursor, at: &position), position + 2 < count, cursor[position] == UInt8(ascii: ";"),
              cursor[position + 1] == UInt8(ascii: "t"), cursor[position + 2] == UInt8(ascii: "=")
        else { return nil }
        position += 3
        guard let realtime = hexNumber(cursor, at: &position), position + 2 < count, cursor[position] == UInt8(ascii: ";"),
              cursor[position + 1] == UInt8(ascii: "x"), cursor[position + 2] == UInt8(ascii: "=")
        else { return nil }
        position += 3
        guard let xorHash = hexNumber(cursor, at: &position), position == count else { return nil }
        return Parts(seqnumID: 2..<34, seqnum: seqnum, bootID: bootID, monotonic: monotonic, realtime: realtime, xorHash: xorHash)
    }

    /// Whether the 32 bytes from `start` hold no `;`, so they are one id as the general reading takes it.
    @inline(__always)
    private static func isIDText(_ bytes: UnsafeRawBufferPointer, from start: Int) -> Bool {
        memchr(bytes.baseAddress! + start, Int32(UInt8(ascii: ";")), 32) == nil
    }

    /// The entry times a cursor carries (`t=`, `m=`), in microseconds; nil for a cursor of
    /// another shape. Read for every entry, so it skips the ids by their fixed length and
    /// parses only the two numbers.
    public static func times(_ cursor: UnsafeRawBufferPointer) -> (realtime: UInt64, monotonic: UInt64)? {
        // s=<32>;i=<n>;b=<32>;m=<n>;t=<n>;x=<n>
        let count = cursor.count
        guard count > 80, cursor[0] == UInt8(ascii: "s"), cursor[34] == UInt8(ascii: ";"), cursor[35] == UInt8(ascii: "i"),
              cursor[36] == UInt8(ascii: "=")
        else { return parts(cursor).map { ($0.realtime, $0.monotonic) } }
        var position = 37
        while position < count, cursor[position] != UInt8(ascii: ";") { position += 1 }
        // ;b=<32>;m=
        position += 1
        guard position + 37 < count, cursor[position] == UInt8(ascii: "b"), cursor[position + 34] == UInt8(ascii: ";"),
              cursor[position + 35] == UInt8(ascii: "m"), cursor[position + 36] == UInt8(ascii: "=")
        else { return parts(cursor).map { ($0.realtime, $0.monotonic) } }
        position += 37
        guard let monotonic = hexNumber(cursor, at: &position), position + 2 < count, cursor[position] == UInt8(ascii: ";"),
              cursor[position + 1] == UInt8(ascii: "t"), cursor[position + 2] == UInt8(ascii: "=")
        else { return parts(cursor).map { ($0.realtime, $0.monotonic) } }
        position += 3
        guard let realtime = hexNumber(cursor, at: &position), position < count, cursor[position] == UInt8(ascii: ";")
        else { return parts(cursor).map { ($0.realtime, $0.monotonic) } }
        return (realtime, monotonic)
    }

    /// The hexadecimal number (1 to 16 digits) at `position`, which is left after it.
    @inline(__always)
    private static func hexNumber(_ bytes: UnsafeRawBufferPointer, at position: inout Int) -> UInt64? {
        let start = position
        var value: UInt64 = 0
        while position < bytes.count {
            let digit = bytes[position]
            let decimal = digit &- UInt8(ascii: "0")
            let letter = (digit | 0x20) &- UInt8(ascii: "a")
            if decimal < 10 {
                value = value << 4 | UInt64(decimal)
            } else if letter < 6 {
                value = value << 4 | UInt64(letter + 10)
            } else {
                break
            }
            position += 1
        }
        let digits = position - start
        return digits > 0 && digits <= 16 ? value : nil
    }

    /// Reads `key=value;` parts in turn.
    private struct PartScanner {
        let bytes: UnsafeRawBufferPointer
        var position = 0

        var atEnd: Bool { position > bytes.count || position == bytes.count }

        private mutating func key(_ key: UInt8) -> Bool {
            guard position + 2 <= bytes.count, bytes[position] == key, bytes[position + 1] == UInt8(ascii: "=") else { return false }
            position += 2
            return true
        }

        /// Steps over the `;` that ends a value (or stands at the end).
        private mutating func endOfValue() -> Bool {
            if position == bytes.count { return true }
            guard bytes[position] == UInt8(ascii: ";") else { return false }
            position += 1
            return position < bytes.count
        }

        mutating func id(_ name: UInt8) -> Range<Int>? {
            guard key(name) else { return nil }
            let start = position
            // Ids are 32 digits: found with one memchr instead of a byte-by-byte scan.
            if start + 32 <= bytes.count, memchr(bytes.baseAddress! + start, Int32(UInt8(ascii: ";")), 32) == nil,
               start + 32 == bytes.count || bytes[start + 32] == UInt8(ascii: ";") {
                position = start + 32
            }
            while position < bytes.count, bytes[position] != UInt8(ascii: ";") { position += 1 }
            guard position > start else { return nil }
            let range = start..<position
            return endOfValue() ? range : nil
        }

        mutating func number(_ name: UInt8) -> UInt64? {
            guard key(name), let value = JournalCursor.hexNumber(bytes, at: &position) else { return nil }
            return endOfValue() ? value : nil
        }
    }

    private static func isHexDigit(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
            || (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "f"))
            || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "F"))
    }
}
