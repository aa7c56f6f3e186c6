/// Rewrites the few constructs where Python's `re` and PCRE2 read the same text
/// differently. Everything else (`(?P<n>)`, `(?P=n)`, `(?(n)a|b)`, lookbehind) PCRE2
/// accepts as it is.
enum PythonDialect {
    static func translate(_ pattern: String) -> String {
        let bytes = Array(pattern.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + 8)
        var index = 0
        var inClass = false
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\\"), index + 1 < bytes.count {
                let next = bytes[index + 1]
                // Python's \Z is the very end; PCRE2's \Z also allows a final newline.
                if next == UInt8(ascii: "Z"), !inClass {
                    out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "z")])
                } else {
                    out.append(byte); out.append(next)
                }
                index += 2
                continue
            }
            if inClass {
                if byte == UInt8(ascii: "]") { inClass = false }
                out.append(byte)
                index += 1
                continue
            }
            if byte == UInt8(ascii: "[") {
                inClass = true
                out.append(byte)
                index += 1
                // A leading ']' (or '^]') is a literal in both dialects.
                if index < bytes.count, bytes[index] == UInt8(ascii: "^") { out.append(bytes[index]); index += 1 }
                if index < bytes.count, bytes[index] == UInt8(ascii: "]") { out.append(bytes[index]); index += 1 }
                continue
            }
            // Python reads {,n} as {0,n}; older PCRE2 reads it as literal text.
            if byte == UInt8(ascii: "{"), index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: ",") {
                var probe = index + 2
                while probe < bytes.count, bytes[probe] >= UInt8(ascii: "0"), bytes[probe] <= UInt8(ascii: "9") { probe += 1 }
                if probe > index + 2, probe < bytes.count, bytes[probe] == UInt8(ascii: "}") {
                    out.append(contentsOf: Array("{0".utf8))
                    index += 1
                    continue
                }
            }
            out.append(byte)
            index += 1
        }
        return String(decoding: out, as: UTF8.self)
    }
}
