import BailiffConfig
import BailiffNetwork

/// Whether a jail bans the offending address itself or the network around it
/// (`banprefix.ipv4`, `banprefix.ipv6`), for offenders that hop between the addresses of
/// one allocation, as IPv6 hosts do within their /64.
public struct BanTargetPolicy: Hashable, Sendable {
    public static let ipv4PrefixOption = "banprefix.ipv4"
    public static let ipv6PrefixOption = "banprefix.ipv6"

    /// Bits of an IPv4 offender's address that a ban keeps; 32 bans the address alone.
    public let ipv4PrefixLength: Int
    /// Bits of an IPv6 offender's address that a ban keeps; 128 bans the address alone.
    public let ipv6PrefixLength: Int

    public init(ipv4PrefixLength: Int = 32, ipv6PrefixLength: Int = 128) throws(ConfigError) {
        try Self.check(ipv4PrefixLength, option: Self.ipv4PrefixOption, width: 32)
        try Self.check(ipv6PrefixLength, option: Self.ipv6PrefixOption, width: 128)
        self.ipv4PrefixLength = ipv4PrefixLength
        self.ipv6PrefixLength = ipv6PrefixLength
    }

    /// Reads `banprefix.ipv4` and `banprefix.ipv6` from a jail's raw options.
    public init<Options: Sequence>(options: Options) throws(ConfigError)
    where Options.Element == (key: String, value: String) {
        let reader = JailOptionReader(options)
        try self.init(
            ipv4PrefixLength: try Self.read(reader, Self.ipv4PrefixOption, width: 32),
            ipv6PrefixLength: try Self.read(reader, Self.ipv6PrefixOption, width: 128))
    }

    /// Reads a jail's prefix options; problems name the jail and point at its section.
    public init(jail: JailDefinition) throws(ConfigError) {
        do throws(ConfigError) { try self.init(options: jail.options) } catch {
            throw ConfigError("jail [\(jail.name)]: \(error.message)", at: error.location ?? jail.location)
        }
    }

    /// What to ban for a failure id: the canonical address, or its network when the jail bans
    /// by prefix. An IPv4 address written as IPv6 (`::ffff:192.0.2.7`) counts as IPv4. Nil for
    /// an id that is not an IP address (a user name, a host name), which must never reach a
    /// firewall command.
    public func target(forFailureID id: String) -> BanTarget? {
        guard let parsed = IPAddress(id) else { return nil }
        let address = parsed.unmappedIPv4 ?? parsed
        let prefixLength = address.family == .v4 ? ipv4PrefixLength : ipv6PrefixLength
        return BanTarget(IPNetwork(address, prefixLength: prefixLength))
    }

    private static func read(_ reader: JailOptionReader, _ option: String, width: Int) throws(ConfigError) -> Int {
        guard let text = reader.text(option) else { return width }
        guard let length = Int(text) else {
            throw reader.problem(option, expected: "a prefix length from 1 to \(width)", found: text)
        }
        try check(length, option: option, width: width)
        return length
    }

    private static func check(_ length: Int, option: String, width: Int) throws(ConfigError) {
        guard length > 0, length <= width else {
            throw ConfigError("\(option): expected a prefix length from 1 to \(width), found \(length)")
        }
    }
}
