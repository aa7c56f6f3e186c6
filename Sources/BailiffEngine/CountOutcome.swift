/// What counting one failure did.
public enum CountOutcome<Evidence> {
    /// Added to the id's window; no decision yet.
    case counted
    /// The id reached `maxretry`: ban it. Its window is closed.
    case ban(BanDecision<Evidence>)
    /// Not counted: the id or address is on the jail's ignore list.
    case ignored(IgnoreRule)
    /// Not counted: the failure has no usable time.
    case undated
}

extension CountOutcome: Sendable where Evidence: Sendable {}
extension CountOutcome: Equatable where Evidence: Equatable {}
