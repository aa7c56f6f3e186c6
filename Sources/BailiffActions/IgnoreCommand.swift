/// A jail's `ignorecommand`: a shell command run for an offender before it is banned.
/// Exit status 0 means "ignore this address", 1 means "do not"; anything else, or no exit
/// within the time limit, is a failure, and the address is not ignored (a broken check
/// must not open the door). Tags are filled in as in action commands, so `<ip>` is
/// bailiff's own text and log content only reaches the command through the environment.
public struct IgnoreCommand: Sendable {
    public enum Verdict: Sendable, Equatable {
        case ignore
        case doNotIgnore
        case failed(String)
    }

    public let script: String
    private let template: CommandTemplate
    private let runner: CommandRunner

    public init(_ script: String, launcher: [String] = [], timeout: Duration = .seconds(10)) {
        self.script = script
        template = CommandTemplate(shell: script)
        runner = CommandRunner(launcher: launcher, timeout: timeout)
    }

    public func verdict(for ticket: BanTicket) async -> Verdict {
        let result = await runner.run(template.render(for: ticket))
        switch result.termination {
        case .exited(0): return .ignore
        case .exited(1): return .doNotIgnore
        default:
            let detail = result.errorText.split(whereSeparator: \.isNewline).last.map { ": \($0)" } ?? ""
            return .failed("ignorecommand \(result.termination)\(detail)")
        }
    }
}
