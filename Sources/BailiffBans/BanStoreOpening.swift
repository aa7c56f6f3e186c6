/// The result of opening the ban store: the store, and whether a damaged one had to be
/// replaced (for the daemon to log) rather than an error, because starting with no bans
/// beats not starting.
public struct BanStoreOpening: Sendable {
    public let store: BanStore
    /// Nil when the existing store (or a new one) opened normally.
    public let recovery: BanStoreRecovery?
}
