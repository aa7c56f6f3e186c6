import BailiffNetwork

/// The address families fail2ban's action templates tell apart with `<family>` and
/// `[Init?family=inet6]`.
public enum AddressFamily: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    case inet4
    case inet6

    public init(_ family: IPAddress.Family) {
        self = family == .v4 ? .inet4 : .inet6
    }

    /// The condition `[Init?family=...]` values are stored under.
    var condition: String { "family=" + rawValue }

    public var description: String { rawValue }
}
