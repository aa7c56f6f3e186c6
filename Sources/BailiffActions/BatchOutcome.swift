import BailiffNetwork

/// What became of a batch of bans or unbans.
public struct BatchOutcome: Sendable {
    /// A target that could not be banned or unbanned, and why.
    public struct Failure: Sendable {
        public var target: IPNetwork
        public var error: ActionError
    }

    public var failures: [Failure] = []
    /// Processes started, repairs included.
    public var commandsRun = 0

    public var succeeded: Bool { failures.isEmpty }
}
