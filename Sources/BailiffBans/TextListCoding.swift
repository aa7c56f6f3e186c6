/// Stores a list of strings in one text column: one item per line, with backslash, new
/// line and NUL escaped. Cheaper than JSON to read back, and NUL-free because SQLite text
/// is read up to the first NUL.
enum TextListCoding {
    /// Nil for an empty list, so "no items" and "one empty item" stay distinct.
    static func encode(_ items: [String]) -> String? {
        guard !items.isEmpty else { return nil }
        var encoded = ""
        for (index, item) in items.enumerated() {
            if index > 0 { encoded.append("\n") }
            guard item.utf8.contains(where: { $0 == UInt8(ascii: "\\") || $0 == UInt8(ascii: "\n") || $0 == 0 }) else {
                encoded.append(item)
                continue
            }
            for character in item.unicodeScalars {
                switch character {
                case "\\": encoded.append("\\\\")
                case "\n": encoded.append("\\n")
                case "\0": encoded.append("\\0")
                default: encoded.unicodeScalars.append(character)
                }
            }
        }
        return encoded
    }

    static func decode(_ text: String?) -> [String] {
        guard let text else { return [] }
        return text.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            guard line.contains("\\") else { return String(line) }
            var item = ""
            var escaped = false
            for character in line.unicodeScalars {
                if escaped {
                    switch character {
                    case "n": item.append("\n")
                    case "0": item.append("\0")
                    default: item.unicodeScalars.append(character)
                    }
                    escaped = false
                } else if character == "\\" {
                    escaped = true
                } else {
                    item.unicodeScalars.append(character)
                }
            }
            return item
        }
    }
}
