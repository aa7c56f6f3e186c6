/// What adding a ban did, so the caller knows whether the firewall needs a change.
public enum BanAddition: Hashable, Sendable {
    /// A new ban; it is recorded in the history that escalation counts.
    case added(Ban)
    /// The target was already banned in the jail and the new ban ends later: the active
    /// ban now carries the new times, evidence and failures, and remains one ban in the
    /// history (a re-ban of a banned target is not a repeat offence).
    case prolonged(previous: Ban, current: Ban)
    /// The target was already banned in the jail until at least as late; nothing changed.
    case alreadyCovered(Ban)

    /// The ban in force after the addition.
    public var ban: Ban {
        switch self {
        case .added(let ban), .prolonged(_, let ban), .alreadyCovered(let ban): ban
        }
    }
}
