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

    private static func isHexDigit(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
            || (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "f"))
            || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "F"))
    }
}
