import BailiffActions
import BailiffNetwork

/// One jail action's commands, run in the order they were asked for, beside the event loop.
///
/// Bans and unbans that arrive while a command runs wait in the queue and then go out
/// together, so a burst of bans costs one batch command instead of one process each.
/// Every outcome worth knowing is reported through `report` (the loop's mailbox).
actor ActionQueue {
    enum Operation: Sendable {
        case start
        case stop
        case ban(BanTicket)
        case unban(BanTicket)
        /// Checks that the firewall holds `expected` (all active bans of the jail) and puts
        /// back what is missing.
        case reconcile(expected: [BanTicket])
    }

    enum Report: Sendable {
        case started(jail: String, action: String)
        case stopped(jail: String, action: String)
        case failed(jail: String, action: String, problem: String)
        case reconciled(jail: String, action: String, restored: [String])
    }

    let jail: String
    let runner: ActionRunner
    private let report: @Sendable (Report) -> Void
    private var pending: [Operation] = []
    private var draining = false

    var name: String { runner.template.name }

    init(jail: String, runner: ActionRunner, report: @escaping @Sendable (Report) -> Void) {
        self.jail = jail
        self.runner = runner
        self.report = report
    }

    /// Queues operations; returns at once.
    func submit(_ operations: [Operation]) {
        pending.append(contentsOf: operations)
        guard !draining else { return }
        draining = true
        Task { await drain() }
    }

    private func drain() async {
        while !pending.isEmpty {
            let operation = pending.removeFirst()
            switch operation {
            case .ban(let first):
                await ban(collectRun(first) { if case .ban(let ticket) = $0 { ticket } else { nil } })
            case .unban(let first):
                await unban(collectRun(first) { if case .unban(let ticket) = $0 { ticket } else { nil } })
            case .start:
                do throws(ActionError) {
                    try await runner.start()
                    report(.started(jail: jail, action: name))
                } catch {
                    report(.failed(jail: jail, action: name, problem: "\(error)"))
                }
            case .stop:
                do throws(ActionError) { try await runner.stop() } catch {
                    report(.failed(jail: jail, action: name, problem: "\(error)"))
                }
                report(.stopped(jail: jail, action: name))
            case .reconcile(let expected):
                await reconcile(expected)
            }
        }
        draining = false
    }

    /// `first` and the operations of the same kind right behind it in the queue.
    private func collectRun(_ first: BanTicket, _ ticket: (Operation) -> BanTicket?) -> [BanTicket] {
        var tickets = [first]
        while let next = pending.first, let more = ticket(next) {
            tickets.append(more)
            pending.removeFirst()
        }
        return tickets
    }

    private func ban(_ tickets: [BanTicket]) async {
        let outcome = await runner.ban(tickets)
        for failure in outcome.failures { report(.failed(jail: jail, action: name, problem: "\(failure)")) }
    }

    private func unban(_ tickets: [BanTicket]) async {
        let outcome = await runner.unban(tickets)
        for failure in outcome.failures { report(.failed(jail: jail, action: name, problem: "\(failure)")) }
    }

    private func reconcile(_ expected: [BanTicket]) async {
        do throws(ActionError) {
            var missing: [BanTicket]
            do throws(ActionError) {
                if let present = try await runner.bannedTargets() {
                    missing = expected.filter { !present.contains($0.target) }
                } else {
                    // Without a list of what is blocked, only the action's own check tells.
                    try await runner.check()
                    missing = []
                }
            } catch {
                // The firewall lost this action's structures (a flush, a firewall reload),
                // and with them every ban: rebuild them, then ban everything again.
                try await runner.repair()
                missing = expected
            }
            if !missing.isEmpty { await ban(missing) }
            report(.reconciled(jail: jail, action: name, restored: missing.map(\.target.description)))
        } catch {
            report(.failed(jail: jail, action: name, problem: "reconciling: \(error)"))
        }
    }
}
