/// Character (code point) positions in a UTF-8 line, as Python counts them in a `str`.
/// fail2ban remembers where in the line the last date was, in characters, and compares those
/// positions with the next line; bailiff keeps the same bookkeeping on bytes.
struct LinePositions {
    /// Stands for "no character" (an empty slice).
    static let none: UInt32 = .max

    let base: UnsafePointer<UInt8>
    let count: Int

    /// Characters before byte `offset`.
    @inline(__always)
    func charIndex(ofByte offset: Int) -> Int {
        var continuation = 0
        var index = 0
        // Eight bytes at a time while they are all ASCII.
        while index + 8 <= offset {
            let word = UnsafeRawPointer(base + index).loadUnaligned(as: UInt64.self)
            if word & 0x8080_8080_8080_8080 != 0 { break }
            index += 8
        }
        while index < offset {
            if base[index] & 0xC0 == 0x80 { continuation += 1 }
            index += 1
        }
        return offset - continuation
    }

    /// Byte offset of character `index`; nil when the line has fewer characters.
    @inline(__always)
    func byteOffset(ofChar index: Int) -> Int? {
        if index <= 0 { return 0 }
        var chars = 0
        var offset = 0
        while offset < count {
            if chars == index { return offset }
            offset += 1
            while offset < count, base[offset] & 0xC0 == 0x80 { offset += 1 }
            chars += 1
        }
        return chars == index ? count : nil
    }

    /// The character starting at byte `offset` (`none` at or past the end).
    func char(at offset: Int) -> UInt32 {
        guard offset >= 0, offset < count else { return LinePositions.none }
        let lead = base[offset]
        if lead < 0x80 { return UInt32(lead) }
        var length = 0
        var value: UInt32 = 0
        switch lead {
        case 0xC2...0xDF: length = 2; value = UInt32(lead & 0x1F)
        case 0xE0...0xEF: length = 3; value = UInt32(lead & 0x0F)
        case 0xF0...0xF4: length = 4; value = UInt32(lead & 0x07)
        default: return 0xDC00 + UInt32(lead)
        }
        guard offset + length <= count else { return 0xDC00 + UInt32(lead) }
        for index in 1..<length {
            let byte = base[offset + index]
            guard byte & 0xC0 == 0x80 else { return 0xDC00 + UInt32(lead) }
            value = value << 6 | UInt32(byte & 0x3F)
        }
        return value
    }

    /// The character ending at byte `offset` (`none` at the line start).
    func char(before offset: Int) -> UInt32 {
        guard offset > 0, offset <= count else { return LinePositions.none }
        var start = offset - 1
        while start > 0, offset - start < 4, base[start] & 0xC0 == 0x80 { start -= 1 }
        return char(at: start)
    }

    /// Python `c.isalnum()` for one character; false for `none`.
    static func isAlphanumeric(_ char: UInt32) -> Bool {
        if char < 0x80 {
            return (char >= 0x30 && char <= 0x39) || (char | 0x20 >= 0x61 && char | 0x20 <= 0x7A)
        }
        guard char != none, let scalar = Unicode.Scalar(char) else { return false }
        switch scalar.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: return true
        default: return scalar.properties.numericType != nil
        }
    }
}
