/// Log lines are not always valid UTF-8. fail2ban decodes them with replacement
/// characters, so a stray byte still counts as a character for `\S` or `.`; bailiff
/// does the same, but only pays for it on lines that hold non-ASCII bytes.
enum UTF8Repair {
    static let replacement: [UInt8] = [0xEF, 0xBF, 0xBD]

    /// Appends `source` to `buffer`, replacing each invalid sequence with U+FFFD.
    /// Returns whether `source` was pure ASCII.
    @discardableResult
    static func append(_ source: UnsafeRawBufferPointer, to buffer: ByteBuffer) -> Bool {
        let count = source.count
        if isASCII(source) {
            buffer.append(source)
            return true
        }
        var index = 0
        // Copy ASCII runs in bulk; most log lines never leave this loop.
        var runStart = 0
        while index < count {
            let byte = source[index]
            if byte < 0x80 { index += 1; continue }
            let length = validSequenceLength(source, at: index)
            if length > 0 { index += length; continue }
            buffer.append(UnsafeRawBufferPointer(rebasing: source[runStart..<index]))
            buffer.append(replacement)
            index += 1
            runStart = index
        }
        buffer.append(UnsafeRawBufferPointer(rebasing: source[runStart..<count]))
        return false
    }

    /// Whether `bytes` is pure ASCII, and whether it holds a line feed: one pass, eight
    /// bytes at a time.
    @inline(__always)
    static func scan(_ bytes: UnsafeRawBufferPointer) -> (ascii: Bool, lineFeed: Bool) {
        guard let base = bytes.baseAddress else { return (true, false) }
        let count = bytes.count
        var high: UInt64 = 0
        var feeds: UInt64 = 0
        @inline(__always) func take(_ word: UInt64) {
            high |= word
            // A zero byte of word ^ 0x0A.. is a line feed (exact as a yes/no answer).
            let probe = word ^ 0x0A0A_0A0A_0A0A_0A0A
            feeds |= (probe &- 0x0101_0101_0101_0101) & ~probe
        }
        if count < 8 {
            var word: UInt64 = 0
            for index in 0..<count { word = word << 8 | UInt64(base.load(fromByteOffset: index, as: UInt8.self)) }
            // Pad with bytes that are neither high nor line feeds.
            word |= count == 0 ? 0x2020_2020_2020_2020 : (0x2020_2020_2020_2020 << UInt64(8 * count))
            take(word)
        } else {
            var index = 0
            while index + 8 <= count {
                take(base.loadUnaligned(fromByteOffset: index, as: UInt64.self))
                index += 8
            }
            // The last eight bytes, overlapping what was read already.
            take(base.loadUnaligned(fromByteOffset: count - 8, as: UInt64.self))
        }
        return (high & 0x8080_8080_8080_8080 == 0, feeds & 0x8080_8080_8080_8080 != 0)
    }

    /// Thirty-two bytes at a time: no byte has its top bit set.
    @inline(__always)
    static func isASCII(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard let base = bytes.baseAddress else { return true }
        let count = bytes.count
        if count < 8 {
            var accumulated: UInt8 = 0
            for index in 0..<count { accumulated |= base.load(fromByteOffset: index, as: UInt8.self) }
            return accumulated & 0x80 == 0
        }
        var accumulated: UInt64 = 0
        var index = 0
        while index + 32 <= count {
            accumulated |= base.loadUnaligned(fromByteOffset: index, as: UInt64.self)
                | base.loadUnaligned(fromByteOffset: index + 8, as: UInt64.self)
                | base.loadUnaligned(fromByteOffset: index + 16, as: UInt64.self)
                | base.loadUnaligned(fromByteOffset: index + 24, as: UInt64.self)
            index += 32
        }
        while index + 8 <= count {
            accumulated |= base.loadUnaligned(fromByteOffset: index, as: UInt64.self)
            index += 8
        }
        // The last eight bytes, overlapping what was read already.
        accumulated |= base.loadUnaligned(fromByteOffset: count - 8, as: UInt64.self)
        return accumulated & 0x8080_8080_8080_8080 == 0
    }

    /// Length of a well-formed multi-byte sequence at `index`, 0 if it is not one.
    static func validSequenceLength(_ bytes: UnsafeRawBufferPointer, at index: Int) -> Int {
        let first = bytes[index]
        let remaining = bytes.count - index
        func continuation(_ offset: Int) -> Bool { offset < remaining && bytes[index + offset] & 0xC0 == 0x80 }
        switch first {
        case 0xC2...0xDF:
            return continuation(1) ? 2 : 0
        case 0xE0...0xEF:
            guard continuation(1), continuation(2) else { return 0 }
            let second = bytes[index + 1]
            if first == 0xE0, second < 0xA0 { return 0 }   // overlong
            if first == 0xED, second > 0x9F { return 0 }   // surrogates
            return 3
        case 0xF0...0xF4:
            guard continuation(1), continuation(2), continuation(3) else { return 0 }
            let second = bytes[index + 1]
            if first == 0xF0, second < 0x90 { return 0 }
            if first == 0xF4, second > 0x8F { return 0 }
            return 4
        default:
            return 0
        }
    }
}
