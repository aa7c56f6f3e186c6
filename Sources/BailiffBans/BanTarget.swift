import BailiffNetwork

/// What a ban blocks: one address, or the network around it when the jail bans by prefix.
public struct BanTarget: Hashable, Sendable, CustomStringConvertible {
    public let network: IPNetwork

    public init(_ network: IPNetwork) {
        self.network = network
    }

    public var isSingleAddress: Bool { network.isSingleAddress }

    /// The canonical text firewall commands receive: `192.0.2.7`, `2001:db8:1:2::/64`.
    public var description: String { network.description }
}
