import BailiffNetwork
import Glibc

/// One ban (or unban) as the action templates see it: the values of the per-ban tags.
///
/// `target`, the numbers and the family are rendered into commands as text bailiff
/// formats itself. Everything that comes from a log (captures, matched lines, the
/// failure id, host names) is free text and only ever reaches a command through an
/// environment variable (see `CommandTemplate`).
public struct BanTicket: Sendable, Hashable {
    /// The address or network to block (`<ip>`). An IPv4-mapped IPv6 address is banned
    /// as the IPv4 address it carries, which is what the firewall sees.
    public var target: IPNetwork
    /// Ban length in seconds (`<bantime>`); nil for a permanent ban (rendered as -1).
    public var bantime: Int?
    /// Failures that led to the ban (`<failures>`).
    public var failures: Int
    /// When the ban started, in seconds since the epoch (`<time>`, rendered as whole seconds).
    public var time: Double
    /// How many times this target has been banned, this ban included (`<bancount>`).
    public var banCount: Int
    /// The failure id (`<fid>`): the address itself unless the filter captured `<F-ID>`.
    public var failureID: String?
    /// The log lines that matched (`<matches>`, one per line).
    public var matches: [String]
    /// Named captures of the filter by lower-case name (`user` for `<F-USER>`).
    public var captures: [String: String]
    /// Other free-text tags by name, such as `ipmatches`, `ipjailmatches` or `ip-host`.
    public var text: [String: String]

    public init(
        target: IPNetwork, bantime: Int? = 600, failures: Int = 0, time: Double? = nil, banCount: Int = 1,
        failureID: String? = nil, matches: [String] = [], captures: [String: String] = [:], text: [String: String] = [:]
    ) {
        self.target = target.unmappedIPv4 ?? target
        self.bantime = bantime
        self.failures = failures
        self.time = time ?? BanTicket.now()
        self.banCount = banCount
        self.failureID = failureID
        self.matches = matches
        self.captures = captures
        self.text = text
    }

    /// A ticket for an address or network written as text (`192.0.2.7`, `2001:db8::/64`).
    public init(
        parsing target: String, bantime: Int? = 600, failures: Int = 0, time: Double? = nil, banCount: Int = 1,
        failureID: String? = nil, matches: [String] = [], captures: [String: String] = [:], text: [String: String] = [:]
    ) throws(AddressParseError) {
        self.init(
            target: try IPNetwork(parsing: target), bantime: bantime, failures: failures, time: time, banCount: banCount,
            failureID: failureID, matches: matches, captures: captures, text: text)
    }

    public var family: AddressFamily { AddressFamily(target.address.family) }

    static func now() -> Double {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
    }
}
