import BailiffActions
import BailiffConfig
import BailiffEngine
import BailiffNetwork

/// Runs each jail's `ignorecommand` on its ban decisions before they become bans. The
/// commands run beside the loop; their verdicts come back through a mailbox, and the
/// decisions not ignored go on to `pass`. While any verdict is outstanding the journal
/// cursor must not move past its entry, so a crash cannot lose the decision.
final class IgnoreCommandGate {
    struct Verdict: Sendable {
        let decision: JailDecision
        let verdict: IgnoreCommand.Verdict
    }

    private var commands: [String: IgnoreCommand] = [:]
    private let mailbox: Mailbox<Verdict>
    private let launcher: [String]
    private let log: (String) -> Void
    /// Decisions whose verdict has not come back.
    private(set) var outstanding = 0

    init(loop: EventLoop, launcher: [String], log: @escaping (String) -> Void, pass: @escaping ([JailDecision]) -> Void) throws(SystemCallError) {
        mailbox = try Mailbox<Verdict>()
        self.launcher = launcher
        self.log = log
        mailbox.attach(to: loop) { [unowned self] verdict in
            outstanding -= 1
            let decision = verdict.decision
            switch verdict.verdict {
            case .ignore:
                self.log("[\(decision.jail)] \(decision.decision.id) not banned: its ignorecommand says to ignore it")
            case .doNotIgnore:
                pass([decision])
            case .failed(let problem):
                self.log("error: [\(decision.jail)] \(problem); banning \(decision.decision.id) anyway")
                pass([decision])
            }
        }
    }

    /// Takes the jails' commands (at start and at each reload).
    func configure(jails: [JailDefinition]) {
        commands = [:]
        for jail in jails {
            guard let script = jail.options["ignorecommand"], !script.allSatisfy(\.isWhitespace) else { continue }
            commands[jail.name] = IgnoreCommand(script, launcher: launcher)
        }
    }

    /// The decisions that need no check; the others come back through `pass` later.
    func screen(_ decisions: [JailDecision]) -> [JailDecision] {
        guard !commands.isEmpty else { return decisions }
        var passed: [JailDecision] = []
        for decision in decisions {
            guard let command = commands[decision.jail],
                let ticket = try? BanTicket(
                    parsing: decision.decision.id, failures: decision.decision.failures, time: decision.decision.lastTime,
                    failureID: decision.decision.id)
            else {
                passed.append(decision)
                continue
            }
            outstanding += 1
            let mailbox = mailbox
            Task {
                let verdict = await command.verdict(for: ticket)
                mailbox.send(Verdict(decision: decision, verdict: verdict))
            }
        }
        return passed
    }
}
