import Glibc

/// Address text as bans and reports show it.
public enum Addresses {
    /// The canonical (compressed, lower-case) form of an IPv6 address; the input when it is not one.
    public static func normalizeIPv6(_ text: String) -> String {
        var address = in6_addr()
        guard inet_pton(AF_INET6, text, &address) == 1 else { return text }
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        guard inet_ntop(AF_INET6, &address, &buffer, socklen_t(buffer.count)) != nil else { return text }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
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
