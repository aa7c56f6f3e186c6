import BailiffConfig

/// A command that did not succeed: what ran, how it ended and what it said on stderr.
public struct CommandFailure: Error, Sendable, Hashable, CustomStringConvertible {
    public var script: String
    public var termination: CommandResult.Termination
    public var standardError: String

    public init(script: String, termination: CommandResult.Termination, standardError: String) {
        self.script = script
        self.termination = termination
        self.standardError = standardError
    }

    public var description: String {
        var text = "\(termination)"
        let message = standardError.trimmingWhitespace()
        if !message.isEmpty { text += ": " + message }
        return text + "\n  command: " + script.split(separator: "\n", omittingEmptySubsequences: false).joined(separator: "\n           ")
    }
}
