import BailiffActions
import BailiffBans
import BailiffConfig
import BailiffEngine
import BailiffNetwork
import Glibc

/// Turns ban decisions into bans: stored durably first (marked as not yet audited), then
/// audited, then sent to the jail's actions. Restores unexpired bans at start, lifts bans
/// when they expire or on request, and reconciles the firewall with the store.
///
/// Lives on the event loop's thread. The store is the source of truth: a ban is in it
/// before any firewall command runs, so a crash in between is repaired by the restore at
/// the next start.
final class BanKeeper {
    struct Jail {
        let definition: JailDefinition
        var name: String { definition.name }
        let timePolicy: BanTimePolicy
        let targetPolicy: BanTargetPolicy
        let queues: [ActionQueue]
    }

    let store: BanStore
    private(set) var jails: [String: Jail]
    private let audit: AuditLog
    private let wallClock: () -> Double
    private let log: (String) -> Void
    private let launcher: [String]
    /// False for a dry run: jails get no action queues, so no command ever runs.
    private let runsActions: Bool
    private let report: @Sendable (ActionQueue.Report) -> Void
    private var queuesMade = 0

    /// - Parameter launcher: words put before every action command (tests run them in a network namespace).
    init(
        jails definitions: [JailDefinition], store: BanStore, launcher: [String], runsActions: Bool = true, audit: AuditLog,
        wallClock: @escaping () -> Double, log: @escaping (String) -> Void,
        report: @escaping @Sendable (ActionQueue.Report) -> Void
    ) throws(ConfigError) {
        self.store = store
        self.audit = audit
        self.wallClock = wallClock
        self.log = log
        self.launcher = launcher
        self.runsActions = runsActions
        self.report = report
        jails = [:]
        for definition in definitions where definition.enabled {
            jails[definition.name] = try makeJail(definition, reusingQueuesOf: nil)
        }
    }

    /// A jail's ban policies and action queues; `current`'s queues are kept when the actions are the same.
    private func makeJail(_ definition: JailDefinition, reusingQueuesOf current: Jail?, held: Bool = false) throws(ConfigError) -> Jail {
        let timePolicy = try BanTimePolicy(jail: definition)
        for warning in timePolicy.warnings { log("warning: \(warning)") }
        let targetPolicy = try BanTargetPolicy(jail: definition)
        if let current, Self.sameActions(current.definition.actions, definition.actions) {
            return Jail(definition: definition, timePolicy: timePolicy, targetPolicy: targetPolicy, queues: current.queues)
        }
        var queues: [ActionQueue] = []
        for action in definition.actions {
            let template = try ActionTemplate(action)
            guard runsActions else { continue }
            queuesMade += 1
            queues.append(ActionQueue(jail: definition.name, runner: ActionRunner(template: template, launcher: launcher), number: queuesMade, held: held, report: report))
        }
        return Jail(definition: definition, timePolicy: timePolicy, targetPolicy: targetPolicy, queues: queues)
    }

    private static func sameActions(_ old: [ActionDefinition], _ new: [ActionDefinition]) -> Bool {
        old.count == new.count
            && zip(old, new).allSatisfy { $0.name == $1.name && $0.commands == $1.commands && $0.initOptions == $1.initOptions }
    }

    var allQueues: [ActionQueue] { jails.values.flatMap(\.queues) }

    // MARK: - Start and stop

    /// Starts every action, then puts back each unexpired ban with the time it has left.
    /// Restoring counts as no new ban. Each queue reports `.reached(marker)` when its
    /// start and restore are done. Returns the bans restored, not yet audited (`auditRestored`).
    func startAndRestore(marker: String) throws(BanStoreError) -> [Ban] {
        let now = wallClock()
        let active = try store.activeBans(at: now)
        var byJail: [String: [Ban]] = [:]
        for ban in active { byJail[ban.jail, default: []].append(ban) }
        for jail in jails.values {
            start(jail.queues, restoring: byJail[jail.name] ?? [], now: now, marker: marker)
        }
        let orphans = active.filter { jails[$0.jail] == nil }
        if !orphans.isEmpty {
            log("\(orphans.count) bans belong to jails that are not enabled; they stay in the store and are not applied")
        }
        return active.filter { jails[$0.jail] != nil }
    }

    /// The audit entries of restored bans: written once the daemon is ready, so a large
    /// restore reaches the kernel first.
    func auditRestored(_ bans: [Ban]) {
        for ban in bans {
            audit.record(AuditEntry(.restore, "[\(ban.jail)] Restore Ban \(ban.target)", fields: AuditEntry.banFields(of: ban)))
        }
    }

    private func start(_ queues: [ActionQueue], restoring bans: [Ban], now: Double, marker: String?) {
        let operations = startOperations(restoring: bans, now: now, marker: marker)
        for queue in queues { queue.submit(operations) }
    }

    private func startOperations(restoring bans: [Ban], now: Double, marker: String?) -> [ActionQueue.Operation] {
        let tickets = bans.compactMap { ticket(for: $0, now: now) }
        var operations = [ActionQueue.Operation.start] + tickets.map { .ban($0) }
        if let marker { operations.append(.announce(marker: marker)) }
        return operations
    }

    // MARK: - Reload

    /// A new set of jails, built and checked, ready to replace the running one.
    struct Reconfiguration {
        fileprivate let jails: [String: Jail]
        /// Every jail with at least one new action queue.
        fileprivate let started: Set<String>
        /// Queues of removed jails and queues replaced by new ones.
        fileprivate let retired: [ActionQueue]
        /// Jail names, for the log.
        let added: [String], removed: [String], changed: [String]
    }

    /// Builds the jails of `definitions`, keeping the action queues of jails whose actions
    /// did not change. Changes nothing yet; throws on the first problem.
    func prepare(_ definitions: [JailDefinition]) throws(ConfigError) -> Reconfiguration {
        var built: [String: Jail] = [:]
        var started: Set<String> = []
        for definition in definitions where definition.enabled {
            let jail = try makeJail(definition, reusingQueuesOf: jails[definition.name], held: true)
            built[definition.name] = jail
            if jail.queues.map(ObjectIdentifier.init) != (jails[definition.name]?.queues ?? []).map(ObjectIdentifier.init) {
                started.insert(definition.name)
            }
        }
        var retired: [ActionQueue] = []
        for (name, jail) in jails where built[name] == nil || started.contains(name) {
            retired += jail.queues
        }
        return Reconfiguration(
            jails: built, started: started, retired: retired,
            added: built.keys.filter { jails[$0] == nil }.sorted(), removed: jails.keys.filter { built[$0] == nil }.sorted(),
            changed: started.filter { jails[$0] != nil }.sorted())
    }

    /// Switches to the prepared jails: stops the retired actions (removing their firewall
    /// structures), then starts the new ones with the bans their jail has in the store.
    func apply(_ reconfiguration: Reconfiguration) {
        jails = reconfiguration.jails
        let now = wallClock()
        var started: [ActionQueue] = []
        for name in reconfiguration.started.sorted() {
            guard let jail = jails[name] else { continue }
            let bans: [Ban]
            do throws(BanStoreError) {
                bans = try store.activeBans(at: now, inJail: name)
            } catch {
                log("[\(name)] cannot read its bans to apply them: \(error)")
                bans = []
            }
            // New queues are held: this start comes before any ban queued from now on, and
            // nothing runs until the queues they replace have stopped.
            start(jail.queues, restoring: bans, now: now, marker: nil)
            started += jail.queues
        }
        let retired = reconfiguration.retired
        for queue in retired { queue.submit([.stop]) }
        Task {
            // A replaced action must be gone before its successor builds the same structures.
            for queue in retired { await queue.idle() }
            for queue in started { queue.release() }
        }
    }

    /// Returns the numbers of the queues asked to stop.
    func stopAll() -> Set<Int> {
        for queue in allQueues { queue.submit([.stop]) }
        return Set(allQueues.map(\.number))
    }

    // MARK: - Bans

    /// Records and applies the bans the decisions call for; returns what was banned.
    @discardableResult
    func apply(_ decisions: [JailDecision]) -> [Ban] {
        let now = wallClock()
        var additions: [(ban: Ban, cause: BanCause)] = []
        for decision in decisions {
            guard let jail = jails[decision.jail] else { continue }
            guard let target = jail.targetPolicy.target(forFailureID: decision.decision.id) else {
                log("[\(jail.name)] not banning '\(decision.decision.id)': not an IP address")
                continue
            }
            guard let ban = makeBan(jail, target: target.description, failures: decision.decision.failures, at: decision.decision.lastTime, source: .journal)
            else { continue }
            guard ban.isActive(at: now) else {
                log("[\(jail.name)] \(target) reached maxretry at \(decision.decision.lastTime), but a ban from then would already have ended")
                continue
            }
            let cause = BanCause(failureID: decision.decision.id, triggerCursor: decision.triggerCursor, failureCursors: decision.cursors)
            additions.append((ban, cause))
        }
        return record(additions, now: now)
    }

    /// A manual ban of `addresses` in `jail`, through the same path as the journal's.
    func ban(jail name: String, addresses: [String]) throws(ControlFailure) -> [Ban] {
        guard let jail = jails[name] else { throw .noSuchJail(name) }
        let now = wallClock()
        var additions: [(ban: Ban, cause: BanCause)] = []
        for address in addresses {
            guard let target = jail.targetPolicy.target(forFailureID: address) else { throw .invalidAddress(address) }
            if let ban = makeBan(jail, target: target.description, failures: 0, at: now, source: .manual) {
                additions.append((ban, BanCause(failureID: address)))
            }
        }
        return record(additions, now: now)
    }

    private func makeBan(_ jail: Jail, target: String, failures: Int, at time: Double, source: BanSource) -> Ban? {
        do throws(BanStoreError) {
            let earlier = try store.earlierBanCount(of: target, inJail: jail.timePolicy.countsBansInAllJails ? nil : jail.name)
            let duration = jail.timePolicy.duration(afterEarlierBans: earlier)
            return Ban(jail: jail.name, target: target, bannedAt: time, duration: duration, banNumber: earlier + 1, failures: failures, source: source)
        } catch {
            log("[\(jail.name)] cannot ban \(target): \(error)")
            return nil
        }
    }

    /// Records bans with what caused them, audits the new ones and sends them to the actions.
    private func record(_ additions: [(ban: Ban, cause: BanCause)], now: Double) -> [Ban] {
        guard !additions.isEmpty else { return [] }
        let results: [BanAddition]
        do throws(BanStoreError) {
            results = try store.add(contentsOf: additions)
        } catch {
            log("cannot record \(additions.count) bans: \(error)")
            return []
        }
        var applied: [Ban] = []
        var audited: [Ban] = []
        var tickets: [String: [BanTicket]] = [:]
        for (index, result) in results.enumerated() {
            let ban: Ban
            switch result {
            case .added(let added):
                ban = added
            case .prolonged(_, let current):
                // Still failing while banned (entries written before the firewall took hold,
                // or another port): not a new ban, but the firewall's timeout moves with it.
                if let ticket = ticket(for: current, now: now) { tickets[current.jail, default: []].append(ticket) }
                log("[\(current.jail)] \(current.target) already banned; ban extended to \(current.duration)")
                continue
            case .alreadyCovered:
                continue
            }
            // A ban whose entry journald did not take keeps its mark: the next start writes it.
            if audit.record(.ban(ban, cause: additions[index].cause)) >= 0 { audited.append(ban) }
            if let ticket = ticket(for: ban, now: now) { tickets[ban.jail, default: []].append(ticket) }
            applied.append(ban)
        }
        do throws(BanStoreError) {
            try store.clearAuditMarks(audited)
        } catch {
            log("cannot note that \(audited.count) bans are audited (the next start checks the journal for them): \(error)")
        }
        submit(tickets) { .ban($0) }
        return applied
    }

    // MARK: - Unbans

    /// Lifts bans on request: `addresses` in `jail` (every jail when nil), or all bans.
    func unban(jail name: String?, addresses: [String], all: Bool) throws(ControlFailure) -> [Ban] {
        if let name, jails[name] == nil { throw .noSuchJail(name) }
        var targets: [String] = []
        for address in addresses {
            guard let parsed = try? IPNetwork(parsing: address) else { throw .invalidAddress(address) }
            targets.append((parsed.unmappedIPv4 ?? parsed).description)
        }
        var removed: [Ban] = []
        do throws(BanStoreError) {
            if all {
                for jail in name.map({ [$0] }) ?? Array(jails.keys) { removed += try store.removeAll(inJail: jail) }
            } else if let name {
                removed += try store.remove(targets, fromJail: name)
            } else {
                for target in targets { removed += try store.removeFromAllJails(target) }
            }
        } catch {
            throw .storeFailed("\(error)")
        }
        lift(removed, event: .unban)
        return removed
    }

    /// Lifts every ban whose time has run out; returns when the next one ends.
    @discardableResult
    func expireDue() -> Double? {
        do throws(BanStoreError) {
            let now = wallClock()
            var lifted: [Ban] = []
            let expiredByJail = Dictionary(grouping: try store.expiredBans(at: now), by: \.jail)
            for (jail, expired) in expiredByJail { lifted += try store.remove(expired.map(\.target), fromJail: jail) }
            lift(lifted, event: .expiry)
            return try store.nextExpiry()
        } catch {
            log("lifting expired bans: \(error)")
            return nil
        }
    }

    private func lift(_ bans: [Ban], event: AuditEvent) {
        let now = wallClock()
        var tickets: [String: [BanTicket]] = [:]
        for ban in bans {
            let verb = event == .expiry ? "Unban (expired)" : "Unban"
            audit.record(AuditEntry(event, "[\(ban.jail)] \(verb) \(ban.target)", fields: AuditEntry.banFields(of: ban)))
            if let ticket = ticket(for: ban, now: now, forUnban: true) { tickets[ban.jail, default: []].append(ticket) }
        }
        submit(tickets) { .unban($0) }
    }

    // MARK: - Reconciliation

    /// Asks every action to check the firewall against the store and put back what is missing.
    func reconcile() {
        let now = wallClock()
        guard let active = try? store.activeBans(at: now) else { return }
        for jail in jails.values {
            let expected = active.filter { $0.jail == jail.name }.compactMap { ticket(for: $0, now: now) }
            for queue in jail.queues { queue.submit([.reconcile(expected: expected)]) }
        }
    }

    // MARK: - Helpers

    private func submit(_ tickets: [String: [BanTicket]], _ operation: (BanTicket) -> ActionQueue.Operation) {
        for (jailName, jailTickets) in tickets {
            guard let jail = jails[jailName] else { continue }
            let operations = jailTickets.map(operation)
            for queue in jail.queues { queue.submit(operations) }
        }
    }

    /// The ticket the actions get: the time left, so set timeouts in the kernel end with the ban.
    private func ticket(for ban: Ban, now: Double, forUnban: Bool = false) -> BanTicket? {
        guard let target = try? IPNetwork(parsing: ban.target) else {
            log("[\(ban.jail)] the store holds '\(ban.target)', which is not an address or network; skipped")
            return nil
        }
        var seconds: Int?
        if let expiresAt = ban.expiresAt {
            let left = Int((expiresAt - now).rounded(.up))
            guard forUnban || left > 0 else { return nil }
            seconds = max(1, left)
        }
        return BanTicket(target: target, bantime: seconds, failures: ban.failures, time: ban.bannedAt, banCount: ban.banNumber)
    }
}

/// Why a control request about bans failed, in terms the control protocol reports.
enum ControlFailure: Error, Equatable {
    case noSuchJail(String)
    case invalidAddress(String)
    case storeFailed(String)
}
