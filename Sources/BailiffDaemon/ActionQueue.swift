import BailiffActions
import BailiffNetwork
import DequeModule
import Synchronization

/// One jail action's commands, run in the order they were asked for, beside the event loop.
///
/// Bans and unbans that arrive while a command runs wait in the queue and then go out
/// together, so a burst of bans costs one batch command instead of one process each.
/// Every outcome worth knowing is reported through `report` (the loop's mailbox).
///
/// `submit` is synchronous, so operations keep the order in which the loop thread asked
/// for them; they run one after another on a task of their own.
final class ActionQueue: Sendable {
    enum Operation: Sendable {
        case start
        case stop
        case ban(BanTicket)
        case unban(BanTicket)
        /// Checks that the firewall holds `expected` (all active bans of the jail) and puts
        /// back what is missing.
        case reconcile(expected: [BanTicket])
        /// Reports `.reached(marker)` once everything queued before it is done.
        case announce(marker: String)
    }

    enum Report: Sendable {
        case started(jail: String, action: String)
        /// `queue` is the stopped queue's `number`.
        case stopped(jail: String, action: String, queue: Int)
        case failed(jail: String, action: String, problem: String)
        case reconciled(jail: String, action: String, restored: [String])
        case reached(marker: String, queue: Int)
    }

    let jail: String
    let runner: ActionRunner
    /// Tells this queue apart from any other the daemon ever made, e.g. one that replaced it at a reload.
    let number: Int
    private let report: @Sendable (Report) -> Void

    fileprivate struct State {
        /// A deque: restoring a large store queues 100,000 bans that are taken from the front.
        var pending: Deque<Operation> = []
        var draining = false
        /// Operations wait, unrun, until `release()`.
        var held: Bool
        var waitingForIdle: [CheckedContinuation<Void, Never>] = []
    }
    private let state: Mutex<State>

    var name: String { runner.template.name }

    /// - Parameter held: queue operations without running them until `release()`.
    init(jail: String, runner: ActionRunner, number: Int, held: Bool = false, report: @escaping @Sendable (Report) -> Void) {
        self.jail = jail
        self.runner = runner
        self.number = number
        self.report = report
        state = Mutex(State(held: held))
    }

    /// Queues operations; returns at once.
    func submit(_ operations: [Operation]) {
        let startDraining = state.withLock { state in
            state.pending.append(contentsOf: operations)
            return state.beginDraining()
        }
        if startDraining { Task { await drain() } }
    }

    /// Lets a held queue run what it holds and all that follows.
    func release() {
        let startDraining = state.withLock { state in
            state.held = false
            return state.beginDraining()
        }
        if startDraining { Task { await drain() } }
    }

    /// Returns once every operation queued so far has run (at once for a held queue).
    func idle() async {
        await withCheckedContinuation { (waiting: CheckedContinuation<Void, Never>) in
            let busy = state.withLock { state in
                guard state.draining else { return false }
                state.waitingForIdle.append(waiting)
                return true
            }
            if !busy { waiting.resume() }
        }
    }

    /// The next operation to run, with the bans or unbans right behind it when it is one;
    /// nil (and the queue idle) when nothing is left.
    private func next() -> (Operation, [BanTicket])? {
        var waiting: [CheckedContinuation<Void, Never>] = []
        let taken: (Operation, [BanTicket])? = state.withLock { state in
            guard !state.pending.isEmpty else {
                state.draining = false
                waiting = state.waitingForIdle
                state.waitingForIdle.removeAll()
                return nil
            }
            let operation = state.pending.removeFirst()
            switch operation {
            case .ban(let first): return (operation, state.takeRun(first) { if case .ban(let ticket) = $0 { ticket } else { nil } })
            case .unban(let first): return (operation, state.takeRun(first) { if case .unban(let ticket) = $0 { ticket } else { nil } })
            default: return (operation, [])
            }
        }
        for continuation in waiting { continuation.resume() }
        return taken
    }

    private func drain() async {
        while let (operation, tickets) = next() {
            switch operation {
            case .ban:
                await ban(tickets)
            case .unban:
                await unban(tickets)
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
                report(.stopped(jail: jail, action: name, queue: number))
            case .reconcile(let expected):
                await reconcile(expected)
            case .announce(let marker):
                report(.reached(marker: marker, queue: number))
            }
        }
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

extension ActionQueue.State {
    /// Marks the queue draining when it should start; true when the caller must start it.
    fileprivate mutating func beginDraining() -> Bool {
        guard !draining, !held, !pending.isEmpty else { return false }
        draining = true
        return true
    }

    /// `first` and the operations of the same kind right behind it in the queue.
    fileprivate mutating func takeRun(_ first: BanTicket, _ ticket: (ActionQueue.Operation) -> BanTicket?) -> [BanTicket] {
        var tickets = [first]
        while let next = pending.first, let more = ticket(next) {
            tickets.append(more)
            pending.removeFirst()
        }
        return tickets
    }
}
