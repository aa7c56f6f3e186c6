/// Text that should have been an address or a network, and what was expected instead.
public struct AddressParseError: Error, Equatable, Sendable, CustomStringConvertible {
    public let text: String
    public let expected: String

    public init(_ text: String, expected: String) {
        self.text = text
        self.expected = expected
    }

    public var description: String { "'\(text)': expected \(expected)" }
}

/// An address range written as a prefix: `10.0.0.0/8`, `2001:db8::/32`, or one address.
public struct IPNetwork: Hashable, Sendable, CustomStringConvertible {
    /// The first address of the range (host bits cleared).
    public let address: IPAddress
    public let prefixLength: Int

    /// The network of `prefixLength` bits around `address`; the length is clamped to the
    /// family's width and the host bits are cleared, as fail2ban does for `ignoreip`.
    public init(_ address: IPAddress, prefixLength: Int) {
        self.prefixLength = max(0, min(prefixLength, address.bitWidth))
        self.address = address.masked(toPrefixLength: self.prefixLength)
    }

    /// One address as a network of its own.
    public init(_ address: IPAddress) {
        self.init(address, prefixLength: address.bitWidth)
    }

    /// Parses `192.0.2.7`, `10.0.0.0/8`, `10.0.0.0/255.0.0.0`, `2001:db8::/32`,
    /// `[2001:db8::1]` or `[2001:db8::]/64`.
    public init(parsing text: String) throws(AddressParseError) {
        var addressText = Substring(text)
        var prefixText: Substring?
        if let slash = addressText.firstIndex(of: "/") {
            prefixText = addressText[addressText.index(after: slash)...]
            addressText = addressText[..<slash]
        }
        if addressText.hasPrefix("["), addressText.hasSuffix("]"), addressText.count > 2 {
            addressText = addressText.dropFirst().dropLast()
        }
        guard let address = IPAddress(String(addressText)) else {
            throw AddressParseError(
                text, expected: addressText.contains(":")
                    ? "an IPv6 address such as 2001:db8::1"
                    : "an IPv4 address such as 192.0.2.1 (four numbers from 0 to 255)")
        }
        guard let prefixText else {
            self.init(address)
            return
        }
        let width = address.bitWidth
        let expectedPrefix = "a prefix length from 0 to \(width) after '/'"
            + (address.family == .v4 ? " or a netmask such as 255.255.255.0" : "")
        if !prefixText.isEmpty, prefixText.allSatisfy({ $0.isASCII && $0.isNumber }) {
            guard prefixText.count <= 3, let length = Int(prefixText), length <= width else {
                throw AddressParseError(text, expected: expectedPrefix)
            }
            self.init(address, prefixLength: length)
            return
        }
        guard let mask = IPAddress(String(prefixText)), mask.family == address.family,
            let length = IPNetwork.prefixLength(ofNetmask: mask)
        else {
            throw AddressParseError(text, expected: expectedPrefix)
        }
        self.init(address, prefixLength: length)
    }

    /// The last address of the range.
    public var lastAddress: IPAddress { address.lastInNetwork(prefixLength: prefixLength) }

    public var isSingleAddress: Bool { prefixLength == address.bitWidth }

    public func contains(_ candidate: IPAddress) -> Bool {
        candidate.family == address.family && candidate.masked(toPrefixLength: prefixLength) == address
    }

    /// A network inside `::ffff:0:0/96` as the IPv4 network it stands for.
    public var unmappedIPv4: IPNetwork? {
        guard prefixLength >= 96, let inner = address.unmappedIPv4 else { return nil }
        return IPNetwork(inner, prefixLength: prefixLength - 96)
    }

    /// `192.0.2.0/24`; a single address shows as just the address.
    public var description: String {
        isSingleAddress ? address.description : "\(address)/\(prefixLength)"
    }

    /// The prefix length of a contiguous mask (`255.255.240.0` → 20); nil when the ones
    /// are not all at the front.
    static func prefixLength(ofNetmask mask: IPAddress) -> Int? {
        let ones: Int
        switch mask.family {
        case .v4:
            let value = UInt32(truncatingIfNeeded: mask.low)
            ones = (~value).leadingZeroBitCount
        case .v6:
            ones = mask.high == .max ? 64 + (~mask.low).leadingZeroBitCount : (~mask.high).leadingZeroBitCount
        }
        return mask.masked(toPrefixLength: ones) == mask ? ones : nil
    }
}
