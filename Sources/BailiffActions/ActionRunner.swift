import BailiffNetwork

/// Runs one jail action: its start, stop, check, flush and repair commands for each
/// address family, and bans and unbans one at a time or in batches.
///
/// A ban or unban that fails is recovered as fail2ban does: `actioncheck` runs, and if
/// it fails too, `actionrepair` (or `actionstart` when there is none) restores the
/// firewall, the check runs again, and the command is retried once.
public struct ActionRunner: Sendable {
    public let template: ActionTemplate
    public let runner: CommandRunner
    /// Families whose start, stop, check, flush and list commands run. A family's command
    /// that renders the same as one already run is not run again.
    public let families: [AddressFamily]

    /// - Parameter launcher: words put before each command, such as
    ///   `["ip", "netns", "exec", "NAME"]`.
    public init(template: ActionTemplate, launcher: [String] = [], families: [AddressFamily] = AddressFamily.allCases) {
        self.init(template: template, runner: CommandRunner(launcher: launcher, timeout: template.timeout), families: families)
    }

    public init(template: ActionTemplate, runner: CommandRunner, families: [AddressFamily] = AddressFamily.allCases) {
        self.template = template
        self.runner = runner
        self.families = families
    }

    /// `actionstart` for each family; running it on a started action must be harmless.
    public func start() async throws(ActionError) { try await runForFamilies(.start) }

    /// `actionstop` for each family: removes what start created. Every family is tried
    /// before the first failure is thrown.
    public func stop() async throws(ActionError) { try await runForFamilies(.stop) }

    /// `actionflush`: removes every ban, keeps the rest.
    public func flush() async throws(ActionError) { try await runForFamilies(.flush) }

    /// `actioncheck`: throws when the firewall is not as start left it.
    public func check() async throws(ActionError) { try await runForFamilies(.check) }

    /// Checks each family and repairs the broken ones (`actionrepair`, or `actionstart`),
    /// throwing when a family stays broken. Bans the repair lost are not restored here:
    /// compare `bannedTargets()` with the ban store and ban what is missing.
    public func repair() async throws(ActionError) {
        var seen = Set<RenderedCommand>()
        var firstError: ActionError?
        for family in families {
            guard let check = template.render(.check, family: family), seen.insert(check).inserted else { continue }
            var processes = 0
            let outcome = await recover(family, processes: &processes)
            if case .broken(let failure, let note) = outcome, firstError == nil {
                firstError = ActionError(action: template.name, command: .check, family: family, failure: failure, recovery: note)
            }
        }
        if let firstError { throw firstError }
    }

    public func ban(_ ticket: BanTicket) async throws(ActionError) {
        try await single(.ban, ticket)
    }

    public func unban(_ ticket: BanTicket) async throws(ActionError) {
        try await single(.unban, ticket)
    }

    /// Bans every ticket: with `actionban_batch`, one process per address family reads a
    /// line per ticket; otherwise (or when the batch keeps failing) one `actionban` each.
    public func ban(_ tickets: [BanTicket]) async -> BatchOutcome {
        await many(tickets, single: .ban, batch: .banBatch, item: .banBatchItem)
    }

    /// Unbans every ticket, as `ban(_:)` bans them.
    public func unban(_ tickets: [BanTicket]) async -> BatchOutcome {
        await many(tickets, single: .unban, batch: .unbanBatch, item: .unbanBatchItem)
    }

    /// What the firewall blocks according to `actionlist`, in canonical form; nil when the
    /// action has no `actionlist`.
    public func bannedTargets() async throws(ActionError) -> Set<IPNetwork>? {
        guard template.defines(.list) else { return nil }
        var seen = Set<RenderedCommand>()
        var targets = Set<IPNetwork>()
        for family in families {
            guard let rendered = template.render(.list, family: family), seen.insert(rendered).inserted else { continue }
            // Large enough for millions of addresses; a bounded capture would silently miss some.
            let limit = 512 << 20
            let result = await runner.run(rendered, outputLimit: limit)
            func listError(_ problem: String?) -> ActionError {
                let failure = result.failure ?? CommandFailure(script: rendered.script, termination: result.termination, standardError: result.errorText)
                return ActionError(action: template.name, command: .list, family: family, failure: failure, problem: problem)
            }
            if result.failure != nil { throw listError(nil) }
            if result.outputTruncated { throw listError("printed more than \(limit >> 20) MiB") }
            do throws(BannedListParser.Failure) {
                targets.formUnion(try BannedListParser.parse(result.outputText))
            } catch {
                throw listError("printed '\(error.line)', whose first word is not \(error.reason.expected)")
            }
        }
        return targets
    }

    // MARK: - Running commands

    private func runForFamilies(_ command: ActionCommand) async throws(ActionError) {
        var seen = Set<RenderedCommand>()
        var firstError: ActionError?
        for family in families {
            guard let rendered = template.render(command, family: family), seen.insert(rendered).inserted else { continue }
            if let failure = await runner.run(rendered).failure, firstError == nil {
                firstError = ActionError(action: template.name, command: command, family: family, failure: failure)
            }
        }
        if let firstError { throw firstError }
    }

    private func single(_ command: ActionCommand, _ ticket: BanTicket) async throws(ActionError) {
        guard let rendered = template.render(command, family: ticket.family, ticket: ticket) else { return }
        var processes = 0
        if let error = await perform(command, rendered, family: ticket.family, recovering: true, processes: &processes) {
            throw error
        }
    }

    private func many(_ tickets: [BanTicket], single: ActionCommand, batch: ActionCommand, item: ActionCommand) async -> BatchOutcome {
        var outcome = BatchOutcome()
        for family in AddressFamily.allCases {
            let group = tickets.filter { $0.family == family }
            guard !group.isEmpty else { continue }
            var recovering = true
            if let batchCommand = template.render(batch, family: family) {
                // Straight into the bytes written to the command: a restore renders 100,000 lines.
                var input: [UInt8] = []
                input.reserveCapacity(group.count * 64)
                for ticket in group {
                    guard let line = template.render(item, family: family, ticket: ticket)?.script else { continue }
                    input.append(contentsOf: line.utf8)
                    input.append(UInt8(ascii: "\n"))
                }
                if input.isEmpty { input.append(UInt8(ascii: "\n")) }
                guard let error = await perform(batch, batchCommand, family: family, input: input, recovering: true, processes: &outcome.commandsRun)
                else { continue }
                // One bad line fails a whole batch; one at a time still gets the rest through.
                guard template.defines(single) else {
                    outcome.failures += group.map { BatchOutcome.Failure(target: $0.target, error: error) }
                    continue
                }
                recovering = false
            }
            for ticket in group {
                guard let rendered = template.render(single, family: family, ticket: ticket) else { continue }
                if let error = await perform(single, rendered, family: family, recovering: recovering, processes: &outcome.commandsRun) {
                    outcome.failures.append(BatchOutcome.Failure(target: ticket.target, error: error))
                    // A firewall that one repair could not fix will not be fixed by the next.
                    if error.recovery != nil { recovering = false }
                }
            }
        }
        return outcome
    }

    /// Runs a command; when it fails, checks and repairs the firewall and retries once.
    private func perform(
        _ command: ActionCommand, _ rendered: RenderedCommand, family: AddressFamily, input: [UInt8] = [],
        recovering: Bool, processes: inout Int
    ) async -> ActionError? {
        processes += 1
        guard let failure = await runner.run(rendered, input: input).failure else { return nil }
        func error(_ failure: CommandFailure, _ recovery: String?) -> ActionError {
            ActionError(action: template.name, command: command, family: family, failure: failure, recovery: recovery)
        }
        guard recovering else { return error(failure, nil) }
        switch await recover(family, processes: &processes) {
        case .healthy(let note):
            return error(failure, note)
        case .broken(_, let note):
            return error(failure, note)
        case .repaired(let note):
            processes += 1
            guard let again = await runner.run(rendered, input: input).failure else { return nil }
            return error(again, note + ", but the command failed again")
        }
    }

    private enum Recovery {
        /// The check passed or there is none: the failure is the command's own.
        case healthy(String)
        case repaired(String)
        /// Still broken after the repair: the check's failure.
        case broken(CommandFailure, String)
    }

    private func recover(_ family: AddressFamily, processes: inout Int) async -> Recovery {
        guard let check = template.render(.check, family: family) else {
            return .healthy("no actioncheck, so no repair was tried")
        }
        processes += 1
        guard let broken = await runner.run(check).failure else {
            return .healthy("actioncheck passed, so the firewall was left as it is")
        }
        let restore: ActionCommand = template.defines(.repair) ? .repair : .start
        guard let restoreCommand = template.render(restore, family: family) else {
            return .broken(broken, "actioncheck failed, and there is no actionrepair or actionstart to repair it: \(broken)")
        }
        processes += 1
        if let failure = await runner.run(restoreCommand).failure {
            return .broken(broken, "actioncheck failed, and \(restore) failed too: \(failure)")
        }
        processes += 1
        if let failure = await runner.run(check).failure {
            return .broken(failure, "actioncheck failed, \(restore) ran, and actioncheck still fails: \(failure)")
        }
        return .repaired("actioncheck failed; \(restore) repaired the firewall")
    }
}
