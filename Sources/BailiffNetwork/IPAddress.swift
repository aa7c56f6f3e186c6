import Glibc

/// An IPv4 or IPv6 address held as integers, so comparing, masking and range lookups
/// never touch text.
public struct IPAddress: Hashable, Comparable, Sendable, CustomStringConvertible {
    public enum Family: Hashable, Sendable {
        case v4
        case v6
    }

    public let family: Family
    /// The upper 64 bits of an IPv6 address; zero for IPv4.
    public let high: UInt64
    /// The lower 64 bits of an IPv6 address; the whole address for IPv4.
    public let low: UInt64

    public init(ipv4 value: UInt32) {
        family = .v4
        high = 0
        low = UInt64(value)
    }

    public init(ipv6High high: UInt64, low: UInt64) {
        family = .v6
        self.high = high
        self.low = low
    }

    /// Parses `192.0.2.7` or `2001:db8::7` (the forms `inet_pton` accepts); nil for anything else.
    public init?(_ text: String) {
        var text = text
        guard let parsed = text.withUTF8({ IPAddress(utf8: $0) }) else { return nil }
        self = parsed
    }

    /// Parses an address written in UTF-8 bytes, such as a slice of a log line.
    public init?<Bytes: Collection<UInt8>>(utf8 text: Bytes) {
        // The longest address text is an IPv6 address with an IPv4 tail (45 bytes).
        let longest = 45
        guard !text.isEmpty, text.count <= longest else { return nil }
        let isV6 = text.contains(UInt8(ascii: ":"))
        let parsed: IPAddress? = withUnsafeTemporaryAllocation(of: CChar.self, capacity: longest + 1) { buffer in
            var end = 0
            for byte in text {
                // An embedded NUL would silently shorten what inet_pton sees.
                if byte == 0 { return nil }
                buffer[end] = CChar(bitPattern: byte)
                end += 1
            }
            buffer[end] = 0
            let cText = buffer.baseAddress!
            if isV6 {
                var address = in6_addr()
                guard inet_pton(AF_INET6, cText, &address) == 1 else { return nil }
                return withUnsafeBytes(of: &address) { IPAddress(networkBytes: $0) }
            }
            var address = in_addr()
            guard inet_pton(AF_INET, cText, &address) == 1 else { return nil }
            return IPAddress(ipv4: UInt32(bigEndian: address.s_addr))
        }
        guard let parsed else { return nil }
        self = parsed
    }

    /// An address from its 4 or 16 bytes in network order; nil for any other length.
    public init?<Bytes: Collection<UInt8>>(networkBytes bytes: Bytes) {
        var value: UInt64 = 0
        var upper: UInt64 = 0
        switch bytes.count {
        case 4:
            for byte in bytes { value = value << 8 | UInt64(byte) }
            self.init(ipv4: UInt32(value))
        case 16:
            for (offset, byte) in bytes.enumerated() {
                if offset < 8 { upper = upper << 8 | UInt64(byte) } else { value = value << 8 | UInt64(byte) }
            }
            self.init(ipv6High: upper, low: value)
        default:
            return nil
        }
    }

    public var bitWidth: Int { family == .v4 ? 32 : 128 }

    /// The address in network byte order: 4 bytes for IPv4, 16 for IPv6.
    public var networkBytes: [UInt8] {
        switch family {
        case .v4:
            return (0..<4).map { UInt8(truncatingIfNeeded: low >> (24 - 8 * UInt64($0))) }
        case .v6:
            let upper = (0..<8).map { UInt8(truncatingIfNeeded: high >> (56 - 8 * UInt64($0))) }
            return upper + (0..<8).map { UInt8(truncatingIfNeeded: low >> (56 - 8 * UInt64($0))) }
        }
    }

    /// `::ffff:a.b.c.d` seen as the IPv4 address it carries; nil for other addresses.
    public var unmappedIPv4: IPAddress? {
        guard family == .v6, high == 0, low >> 32 == 0xFFFF else { return nil }
        return IPAddress(ipv4: UInt32(truncatingIfNeeded: low))
    }

    /// The address with every bit after the first `prefixLength` cleared; the length is
    /// clamped to the family's width.
    public func masked(toPrefixLength prefixLength: Int) -> IPAddress {
        let bits = max(0, min(prefixLength, bitWidth))
        switch family {
        case .v4:
            let mask: UInt64 = bits == 0 ? 0 : (0xFFFF_FFFF << UInt64(32 - bits)) & 0xFFFF_FFFF
            return IPAddress(ipv4: UInt32(low & mask))
        case .v6:
            let highMask: UInt64 = bits == 0 ? 0 : bits >= 64 ? .max : .max << UInt64(64 - bits)
            let lowMask: UInt64 = bits <= 64 ? 0 : bits == 128 ? .max : .max << UInt64(128 - bits)
            return IPAddress(ipv6High: high & highMask, low: low & lowMask)
        }
    }

    /// The last address of the `prefixLength` network this address is in.
    func lastInNetwork(prefixLength: Int) -> IPAddress {
        let bits = max(0, min(prefixLength, bitWidth))
        switch family {
        case .v4:
            let hostMask: UInt64 = bits == 0 ? 0xFFFF_FFFF : (1 << UInt64(32 - bits)) - 1
            return IPAddress(ipv4: UInt32((low | hostMask) & 0xFFFF_FFFF))
        case .v6:
            let highHost: UInt64 = bits >= 64 ? 0 : bits == 0 ? .max : (1 << UInt64(64 - bits)) - 1
            let lowHost: UInt64 = bits <= 64 ? .max : bits == 128 ? 0 : (1 << UInt64(128 - bits)) - 1
            return IPAddress(ipv6High: high | highHost, low: low | lowHost)
        }
    }

    /// The canonical text: dotted quad, or RFC 5952 compressed lower-case IPv6.
    public var description: String {
        switch family {
        case .v4:
            return networkBytes.map(String.init).joined(separator: ".")
        case .v6:
            var address = in6_addr()
            withUnsafeMutableBytes(of: &address) { $0.copyBytes(from: networkBytes) }
            var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
            guard inet_ntop(AF_INET6, &address, &buffer, socklen_t(buffer.count)) != nil else {
                // Not reachable with a buffer this size; the uncompressed form is still valid text.
                return (0..<8).map { String(UInt16(truncatingIfNeeded: ($0 < 4 ? high : low) >> (48 - 16 * UInt64($0 % 4))), radix: 16) }
                    .joined(separator: ":")
            }
            return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
    }

    /// IPv4 before IPv6, then by numeric value.
    public static func < (left: IPAddress, right: IPAddress) -> Bool {
        if left.family != right.family { return left.family == .v4 }
        if left.high != right.high { return left.high < right.high }
        return left.low < right.low
    }
}
