/// An action command that failed, with what was done to recover, for the log.
public struct ActionError: Error, Sendable, CustomStringConvertible {
    public var action: String
    public var command: ActionCommand
    public var family: AddressFamily
    public var failure: CommandFailure
    /// Why the command counts as failed when its exit status does not say (unreadable output).
    public var problem: String?
    /// What happened when the failure led to `actioncheck` and a repair, if it did.
    public var recovery: String?

    public init(
        action: String, command: ActionCommand, family: AddressFamily, failure: CommandFailure,
        problem: String? = nil, recovery: String? = nil
    ) {
        self.action = action
        self.command = command
        self.family = family
        self.failure = failure
        self.problem = problem
        self.recovery = recovery
    }

    public var description: String {
        var text = "action '\(action)' \(command) (\(family)) failed: "
        if let problem {
            text += problem + "\n  command: " + failure.script
        } else {
            text += failure.description
        }
        if let recovery { text += "\n  " + recovery }
        return text
    }
}
