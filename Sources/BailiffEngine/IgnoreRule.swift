/// Why a failure was not counted: the rule of the jail's ignore list that covers it.
public enum IgnoreRule: Hashable, Sendable, CustomStringConvertible {
    /// An `ignoreip` entry, as written: an address, a network or a host name.
    case ignoreip(String)
    /// `ignoreself`: an address or name of this machine.
    case ignoreself

    public var description: String {
        switch self {
        case .ignoreip(let entry): "ignoreip \(entry)"
        case .ignoreself: "ignoreself"
        }
    }
}
