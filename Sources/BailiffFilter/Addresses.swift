import Glibc

/// Address text as bans and reports show it.
public enum Addresses {
    /// The canonical (compressed, lower-case) form of an IPv6 address; the input when it is not one.
    public static func normalizeIPv6(_ text: String) -> String {
        var copy = text
        return copy.withUTF8 { normalizeIPv6(UnsafeRawBufferPointer($0)) }
    }

    /// `normalizeIPv6` on the address's bytes.
    static func normalizeIPv6(_ bytes: UnsafeRawBufferPointer) -> String {
        // Longer text is no IPv6 address (inet_pton would refuse it too).
        guard bytes.count < 64 else { return String(decoding: bytes, as: UTF8.self) }
        var address = in6_addr()
        let parsed = withUnsafeTemporaryAllocation(of: CChar.self, capacity: 64) { text -> Bool in
            let start = text.baseAddress!
            if let source = bytes.baseAddress { memcpy(start, source, bytes.count) }
            // As a C string: an inner NUL ends it.
            start[bytes.count] = 0
            return inet_pton(AF_INET6, start, &address) == 1
        }
        guard parsed else { return String(decoding: bytes, as: UTF8.self) }
        return withUnsafeBytes(of: &address) { text(ofIPv6: $0) }
    }

    /// An IPv6 address (16 bytes) as glibc's inet_ntop writes it: the longest run of two or
    /// more zero groups (the first of equal runs) as "::", groups in lower-case hex, and the
    /// last 32 bits as dotted IPv4 when the address is IPv4-compatible or IPv4-mapped.
    static func text(ofIPv6 bytes: UnsafeRawBufferPointer) -> String {
        func word(_ index: Int) -> Int { Int(bytes[2 * index]) << 8 | Int(bytes[2 * index + 1]) }
        var best = (base: -1, length: 0)
        var current = (base: -1, length: 0)
        for index in 0..<8 {
            if word(index) == 0 {
                if current.base == -1 { current = (index, 1) } else { current.length += 1 }
            } else if current.base != -1 {
                if best.base == -1 || current.length > best.length { best = current }
                current.base = -1
            }
        }
        if current.base != -1, best.base == -1 || current.length > best.length { best = current }
        if best.base != -1, best.length < 2 { best.base = -1 }
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 48) { out in
            var count = 0
            func put(_ byte: UInt8) { out[count] = byte; count += 1 }
            func putDecimal(_ value: Int) {
                if value >= 100 { put(UInt8(0x30 + value / 100)) }
                if value >= 10 { put(UInt8(0x30 + value / 10 % 10)) }
                put(UInt8(0x30 + value % 10))
            }
            var index = 0
            while index < 8 {
                if best.base != -1, index >= best.base, index < best.base + best.length {
                    if index == best.base { put(UInt8(ascii: ":")) }
                    index += 1
                    continue
                }
                if index != 0 { put(UInt8(ascii: ":")) }
                if index == 6, best.base == 0, best.length == 6 || (best.length == 5 && word(5) == 0xFFFF) {
                    for octet in 12..<16 {
                        if octet > 12 { put(UInt8(ascii: ".")) }
                        putDecimal(Int(bytes[octet]))
                    }
                    break
                }
                let value = word(index)
                var started = false
                for shift in stride(from: 12, through: 0, by: -4) {
                    let nibble = (value >> shift) & 0xF
                    if nibble != 0 || started || shift == 0 {
                        put(UInt8(nibble < 10 ? 0x30 + nibble : 0x57 + nibble))
                        started = true
                    }
                }
                index += 1
            }
            if best.base != -1, best.base + best.length == 8 { put(UInt8(ascii: ":")) }
            return String(decoding: UnsafeBufferPointer(rebasing: out[0..<count]), as: UTF8.self)
        }
    }

    /// `address/prefix` with the host bits cleared, e.g. `192.0.2.7`, 24 → `192.0.2.0/24`.
    public static func network(_ text: String, prefix: Int) -> String? {
        let isV6 = text.contains(":")
        var bytes = [UInt8](repeating: 0, count: isV6 ? 16 : 4)
        guard inet_pton(isV6 ? AF_INET6 : AF_INET, text, &bytes) == 1 else { return nil }
        let bits = max(0, min(prefix, bytes.count * 8))
        for index in 0..<bytes.count {
            let keep = max(0, min(8, bits - index * 8))
            bytes[index] &= keep == 0 ? 0 : UInt8(truncatingIfNeeded: 0xFF << (8 - keep))
        }
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        guard inet_ntop(isV6 ? AF_INET6 : AF_INET, &bytes, &buffer, socklen_t(buffer.count)) != nil else { return nil }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) + "/\(bits)"
    }
}
