import BailiffConfig
import BailiffNetwork

/// Malformed `ignoreip` entries, each with what was expected.
public struct IgnoreListError: Error, Equatable, Sendable, CustomStringConvertible {
    public let problems: [AddressParseError]

    public var description: String {
        "ignoreip: " + problems.map(\.description).joined(separator: "; ")
    }
}

/// The addresses, networks and host names a jail never counts failures for (`ignoreip`,
/// `ignoreself`). Everything is parsed and resolved once, when the list is made; a lookup
/// is one address parse and one binary search.
public struct IgnoreList: Sendable {
    private var ranges = AddressRangeTable<IgnoreRule>([])
    /// Lower-case host names, for failure ids that are names rather than addresses.
    private var names: [String: IgnoreRule] = [:]
    /// Problems that do not stop the jail, such as a host name that did not resolve.
    public private(set) var warnings: [String] = []

    /// A list that ignores nothing.
    public init() {}

    /// - Parameters:
    ///   - entries: `ignoreip` entries: addresses, networks (`10.0.0.0/8`, `2001:db8::/32`,
    ///     `10.0.0.0/255.0.0.0`) and host names, separated by spaces or commas.
    ///   - localAddresses: this machine's addresses when `ignoreself` is on, nil when it is off.
    ///     Loopback is always added with them.
    public init(ignoreip entries: [String], ignoreself localAddresses: LocalAddresses?) throws(IgnoreListError) {
        var networks: [(network: IPNetwork, tag: IgnoreRule)] = []
        var problems: [AddressParseError] = []
        for entry in entries.flatMap(ValueParsing.words) {
            let rule = IgnoreRule.ignoreip(entry)
            switch IgnoreList.kind(of: entry) {
            case .network:
                do throws(AddressParseError) {
                    let network = try IPNetwork(parsing: entry)
                    networks.append((network.unmappedIPv4 ?? network, rule))
                } catch {
                    problems.append(error)
                }
            case .hostName:
                let name = IgnoreList.nameKey(entry)
                if names[name] == nil { names[name] = rule }
                do throws(HostNameResolutionError) {
                    for address in try HostNameResolution.addresses(of: entry) {
                        networks.append((IPNetwork(address.unmappedIPv4 ?? address), rule))
                    }
                } catch {
                    warnings.append("ignoreip: \(error); only failures whose id is '\(entry)' itself are ignored")
                }
            case .malformed:
                problems.append(AddressParseError(
                    entry, expected: "an IPv4 or IPv6 address, a network such as 10.0.0.0/8 or 2001:db8::/32, or a host name"))
            }
        }
        guard problems.isEmpty else { throw IgnoreListError(problems: problems) }
        if let localAddresses {
            for network in LocalAddresses.loopback { networks.append((network, .ignoreself)) }
            for address in localAddresses.interfaceAddresses {
                networks.append((IPNetwork(address.unmappedIPv4 ?? address), .ignoreself))
            }
            for name in localAddresses.hostNames where names[IgnoreList.nameKey(name)] == nil {
                names[IgnoreList.nameKey(name)] = .ignoreself
            }
        }
        ranges = AddressRangeTable(networks)
    }

    /// The ignore list of a jail: its `ignoreip`, and `ignoreself` (on unless set to false,
    /// as in fail2ban).
    /// - Parameter localAddresses: this machine's addresses, when the caller already has
    ///   them (one query serves every jail); queried here when nil and needed.
    public init(jail: JailDefinition, localAddresses: LocalAddresses? = nil) throws(ConfigError) {
        let ignoreself: Bool
        do throws(ConfigError) {
            ignoreself = try ValueParsing.bool(jail.options["ignoreself"] ?? "true")
        } catch {
            throw ConfigError("jail [\(jail.name)]: ignoreself: \(error.message)", at: jail.location)
        }
        var own: LocalAddresses?
        var ownProblem: String?
        if ignoreself {
            if let localAddresses {
                own = localAddresses
            } else {
                do throws(SystemCallError) {
                    own = try LocalAddresses.current()
                } catch {
                    own = LocalAddresses(interfaceAddresses: [], hostNames: ["localhost"])
                    ownProblem = "ignoreself: could not list this machine's addresses (\(error)); only loopback is ignored"
                }
            }
        }
        do throws(IgnoreListError) {
            self = try IgnoreList(ignoreip: jail.ignoreip, ignoreself: own)
        } catch {
            throw ConfigError("jail [\(jail.name)]: \(error)", at: jail.location)
        }
        if let ownProblem { warnings.insert(ownProblem, at: 0) }
    }

    public var isEmpty: Bool { ranges.isEmpty && names.isEmpty }

    /// The rule covering a failure id: an address (`192.0.2.7`, `::ffff:192.0.2.7`), a
    /// network id (`192.0.2.0/24`, covered when the whole network is), or a name.
    public func rule(forID id: String) -> IgnoreRule? {
        if let address = IPAddress(id) { return rule(for: address) }
        if id.contains("/"), let network = try? IPNetwork(parsing: id) {
            let unmapped = network.unmappedIPv4 ?? network
            guard let first = ranges.tag(containing: unmapped.address),
                ranges.tag(containing: unmapped.lastAddress) == first
            else { return nil }
            return first
        }
        guard !names.isEmpty else { return nil }
        return names[IgnoreList.nameKey(id)]
    }

    /// The rule covering an address; an IPv4-mapped IPv6 address matches the IPv4 rules.
    public func rule(for address: IPAddress) -> IgnoreRule? {
        if let inner = address.unmappedIPv4, let rule = ranges.tag(containing: inner) { return rule }
        return ranges.tag(containing: address)
    }

    public func contains(address: String) -> Bool { rule(forID: address) != nil }

    public func contains(_ address: IPAddress) -> Bool { rule(for: address) != nil }

    private enum EntryKind { case network, hostName, malformed }

    /// Entries with address punctuation, or only digits and dots, must parse as addresses;
    /// so `1.2.3` is a malformed address, not a host name to look up.
    private static func kind(of entry: String) -> EntryKind {
        let utf8 = entry.utf8
        if utf8.contains(where: { $0 == UInt8(ascii: ":") || $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "[") }) {
            return .network
        }
        if utf8.allSatisfy({ $0 == UInt8(ascii: ".") || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }) {
            return .network
        }
        return isHostName(entry) ? .hostName : .malformed
    }

    /// Letters, digits, `-` and `_` in dot-separated labels of 1 to 63 characters.
    private static func isHostName(_ entry: String) -> Bool {
        var name = Substring(entry)
        if name.hasSuffix(".") { name = name.dropLast() }
        guard !name.isEmpty, name.utf8.count <= 253 else { return false }
        return name.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { label in
            (1...63).contains(label.utf8.count)
                && label.utf8.allSatisfy { byte in
                    (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte | 0x20)
                        || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
                        || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_")
                }
        }
    }

    private static func nameKey(_ name: String) -> String {
        let lower = name.lowercased()
        return lower.hasSuffix(".") ? String(lower.dropLast()) : lower
    }
}
