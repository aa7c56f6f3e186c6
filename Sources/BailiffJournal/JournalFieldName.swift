/// The rules libsystemd applies to the names of journal fields that can be matched.
enum JournalFieldName {
    /// journald never stores longer names.
    static let maximumLength = 64

    /// Why `name` cannot be a journal field name, or nil when it can.
    static func problem(with name: Substring) -> String? {
        if name.isEmpty { return "the field name is empty" }
        let bytes = Array(name.utf8)
        if bytes.count > maximumLength { return "field name is longer than \(maximumLength) characters" }
        if bytes[0] >= UInt8(ascii: "0"), bytes[0] <= UInt8(ascii: "9") {
            return "a journal field name cannot start with a digit"
        }
        // Names starting with "__" are addresses (__CURSOR, __REALTIME_TIMESTAMP...), not matchable fields.
        if bytes.starts(with: [UInt8(ascii: "_"), UInt8(ascii: "_")]) {
            return "fields starting with '__' are entry addresses and cannot be matched"
        }
        for byte in bytes where !isNameByte(byte) {
            return "a journal field name holds only uppercase letters, digits and '_'"
        }
        return nil
    }

    static func isNameByte(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
            || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
            || byte == UInt8(ascii: "_")
    }
}
