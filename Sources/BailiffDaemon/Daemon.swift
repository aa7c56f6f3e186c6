import BailiffBans
import BailiffConfig
import BailiffControl
import BailiffEngine
import BailiffJournal
import BailiffNetwork
import BailiffService
import Glibc

/// bailiffd: reads the journal, decides bans, keeps them in the store and the firewall,
/// and answers the control socket. Everything runs on the thread that calls `run()`, around
/// one `EventLoop`; action commands run beside it and report through a mailbox.
public final class Daemon {
    public struct Options: Sendable {
        public var configDirectory: String
        public var stateDirectory: String
        public var source: JournalSource
        /// Decide and audit, but run no action command.
        public var dryRun: Bool
        /// Words put before every action command.
        public var launcher: [String]
        /// How often the firewall is checked against the store.
        public var reconcileInterval: Double
        /// How long to wait for the actions' stop commands at exit.
        public var stopTimeout: Double
        /// Where to bind the control socket when none is passed by socket activation; nil for none.
        public var controlSocket: String?

        public init(
            configDirectory: String, stateDirectory: String, source: JournalSource = .system, dryRun: Bool = false,
            launcher: [String] = [], reconcileInterval: Double = 300, stopTimeout: Double = 5, controlSocket: String? = nil
        ) {
            self.configDirectory = configDirectory
            self.stateDirectory = stateDirectory
            self.source = source
            self.dryRun = dryRun
            self.launcher = launcher
            self.reconcileInterval = reconcileInterval
            self.stopTimeout = stopTimeout
            self.controlSocket = controlSocket
        }
    }

    public struct StartFailure: Error, CustomStringConvertible {
        public let description: String
    }

    public static let version = "0.1.0"

    let options: Options
    let loop = EventLoop()
    let log: (String) -> Void
    let audit = AuditLog()
    var keeper: BanKeeper!
    var feed: JournalFeed!
    var pipeline: JournalPipeline { feed.pipeline }
    var service: ServiceLink!
    var ignoreGate: IgnoreCommandGate!
    var control: ControlEndpoint?
    let startedAt = EventLoop.monotonicNow()
    var throughput = ThroughputMeter()
    var settings = ServiceSettings()
    /// Bans made per jail since the start.
    var bansMade: [String: Int] = [:]
    /// Queues whose start and restore are not done yet; ready once it is empty.
    private var startingQueues: Set<Int> = []
    private(set) var isReady = false
    /// Bans restored at start, audited once the daemon is ready.
    private var restoredToAudit: [Ban] = []
    private var pendingDecisions: [JailDecision] = []
    private var expiryTimer: EventLoop.TimerID?
    /// Queues asked to stop at exit that have not reported back.
    private var stoppingQueues: Set<Int> = []
    private var stopping = false

    public init(options: Options, log: @escaping (String) -> Void) {
        self.options = options
        self.log = log
    }

    static func wallClock() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }

    /// Runs until SIGTERM or SIGINT. Throws only when it cannot start.
    public func run() throws {
        // Before any other thread exists: signal handling, and the environment variables
        // of socket activation, which are removed so commands do not inherit them.
        let signals = try SignalSource(signals: [SIGTERM, SIGINT, SIGHUP])
        let activated = try SocketActivation.takeFromProcess()
        // A client or command that goes away must cost a write error, not the process.
        signal(SIGPIPE, SIG_IGN)
        try JournalBusErrorGuard.install()
        service = ServiceLink(loop: loop, log: log)

        let jails = try loadJails()
        settings = try loadSettings(for: jails)
        // Opening the store creates the state directory when it is missing.
        let opening = try BanStore.open(inDirectory: options.stateDirectory, now: Self.wallClock())
        if let recovery = opening.recovery { log("error: \(recovery)") }

        let mailbox = try Mailbox<ActionQueue.Report>()
        mailbox.attach(to: loop) { [unowned self] report in handle(report) }
        keeper = try BanKeeper(
            jails: jails, store: opening.store, launcher: options.launcher, runsActions: !options.dryRun, audit: audit,
            wallClock: Self.wallClock, log: log, report: { mailbox.send($0) })

        ignoreGate = try IgnoreCommandGate(loop: loop, launcher: options.launcher, log: log) { [unowned self] in ban($0) }
        ignoreGate.configure(jails: jails)

        let pipeline = try JournalPipeline(
            jails: jails, options: .init(source: options.source, stateDirectory: options.stateDirectory, now: { Daemon.wallClock() }))
        for warning in pipeline.warnings { log("warning: \(warning)") }

        try openControlSocket(activated: activated)

        startingQueues = Set(keeper.allQueues.map(\.number))
        restoredToAudit = try keeper.startAndRestore(marker: "ready")
        if options.dryRun {
            if !restoredToAudit.isEmpty { log("\(restoredToAudit.count) bans in the store are not applied (dry run)") }
            restoredToAudit = []
        } else if !restoredToAudit.isEmpty {
            log("restoring \(restoredToAudit.count) bans")
        }

        let start = try pipeline.start()
        for warning in pipeline.warnings { log("warning: \(warning)") }
        log("reading \(options.source) from \(start); \(jails.count) jails: \(jails.map(\.name).joined(separator: ", "))")
        feed = JournalFeed(
            pipeline: pipeline, loop: loop, decide: { [unowned self] in pendingDecisions.append($0) },
            afterBatch: { [unowned self] in applyDecisions() },
            // A decision still waiting for its ignorecommand has no ban yet: keep the cursor before it.
            mayCommit: { [unowned self] in ignoreGate.outstanding == 0 }, report: log)
        feed.attach()
        control?.attach()

        signals.attach(to: loop) { [unowned self] signal in
            switch signal {
            case SIGHUP: _ = reload()
            default: beginStop()
            }
        }
        loop.schedule(after: 60) { [unowned self] in purgeWindows() }
        purgeHistory()
        if !options.dryRun { loop.schedule(after: options.reconcileInterval) { [unowned self] in reconcile() } }
        loop.schedule(after: 0) { [unowned self] in sampleThroughput() }
        let startSentAt = Self.wallClock()
        let started = audit.record(AuditEntry(.start, "bailiffd started", fields: [("BAILIFF_JAILS", jails.map(\.name).joined(separator: " "))]))
        // After the start entry, which it waits for in the journal; before any expiry lifts a
        // ban whose entry a crash kept out, which would take its mark with it.
        if !options.dryRun {
            LostBanAudits(store: keeper.store, audit: audit, log: log).write(afterStartEntry: started, sentAt: startSentAt)
        }
        scheduleExpiry(keeper.expireDue())
        service.startWatchdog()
        if startingQueues.isEmpty {
            becomeReady()
        } else {
            loop.schedule(after: 5) { [unowned self] in extendStartTimeout() }
        }
        try loop.run()
        control?.close()
    }

    /// The enabled jails of the configuration directory; any error fails the whole load.
    func loadJails() throws(StartFailure) -> [JailDefinition] {
        let outcome = JailLoader(tree: ConfigTree(directory: options.configDirectory)).load()
        for warning in outcome.warnings { log("warning: \(warning)") }
        guard outcome.errors.isEmpty else {
            throw StartFailure(description: outcome.errors.map { "\($0)" }.joined(separator: "\n"))
        }
        let jails = outcome.jails.filter(\.enabled)
        guard !jails.isEmpty else { throw StartFailure(description: "no enabled jail in \(options.configDirectory)") }
        return jails
    }

    /// The daemon-wide settings; warns when escalation would forget bans it should count.
    func loadSettings(for jails: [JailDefinition]) throws(StartFailure) -> ServiceSettings {
        let settings: ServiceSettings
        do {
            settings = try ServiceSettings(tree: ConfigTree(directory: options.configDirectory))
        } catch {
            throw StartFailure(description: "\(error)")
        }
        for jail in jails {
            guard let policy = try? BanTimePolicy(jail: jail), policy.incrementsRepeatBans,
                let longest = policy.maximumSeconds, longest > settings.historyAge
            else { continue }
            log("warning: jail [\(jail.name)]: bans are forgotten after dbpurgeage (\(Int(settings.historyAge)) s), sooner than bantime.maxtime (\(Int(longest)) s), so escalation restarts after that; raise dbpurgeage in fail2ban.local [Definition]")
        }
        return settings
    }

    // MARK: - Readiness and status

    private func becomeReady() {
        guard !isReady else { return }
        isReady = true
        log(String(format: "ready after %.2f s", EventLoop.monotonicNow() - startedAt))
        service.send(.ready, .status(statusLine()))
        keeper.auditRestored(restoredToAudit)
        restoredToAudit = []
    }

    /// While actions are still starting and restoring bans, asks systemd for more time.
    private func extendStartTimeout() {
        guard !isReady, !stopping else { return }
        service.send(.extendTimeout(.seconds(20)), .status("starting actions and restoring bans"))
        loop.schedule(after: 10) { [unowned self] in extendStartTimeout() }
    }

    private func sampleThroughput() {
        throughput.record(count: pipeline.entriesRead, at: EventLoop.monotonicNow())
        if isReady, !stopping { service.send(.status(statusLine())) }
        loop.schedule(after: 10) { [unowned self] in sampleThroughput() }
    }

    /// One line for `systemctl status`.
    func statusLine() -> String {
        let bans = (try? keeper.store.activeBanCounts(at: Self.wallClock()).values.reduce(0, +)).map(String.init) ?? "?"
        let rate = Int(throughput.perSecond.rounded())
        return "\(keeper.jails.count) jails, \(bans) bans in force, \(rate) entries/s"
    }

    // MARK: - Decisions and bans

    func applyDecisions() {
        guard !pendingDecisions.isEmpty else { return }
        let decisions = pendingDecisions
        pendingDecisions.removeAll()
        ban(ignoreGate.screen(decisions))
    }

    private func ban(_ decisions: [JailDecision]) {
        guard !decisions.isEmpty else { return }
        if options.dryRun {
            for decision in decisions { log("[\(decision.jail)] would ban \(decision.decision.id) (dry run)") }
            return
        }
        for ban in keeper.apply(decisions) {
            bansMade[ban.jail, default: 0] += 1
            log("[\(ban.jail)] Ban \(ban.target) for \(ban.duration) after \(ban.failures) failures")
        }
        scheduleExpiry(keeper.expireDue())
    }

    func scheduleExpiry(_ next: Double?) {
        if let expiryTimer { loop.cancel(expiryTimer) }
        expiryTimer = nil
        guard let next else { return }
        expiryTimer = loop.schedule(after: next - Self.wallClock()) { [unowned self] in
            expiryTimer = nil
            scheduleExpiry(keeper.expireDue())
        }
    }

    private func reconcile() {
        keeper.reconcile()
        loop.schedule(after: options.reconcileInterval) { [unowned self] in reconcile() }
    }

    /// Forgets ban history older than dbpurgeage, now and every hour.
    private func purgeHistory() {
        do throws(BanStoreError) {
            let purged = try keeper.store.purgeHistory(olderThan: settings.historyAge, at: Self.wallClock())
            if purged > 0 { log("forgot \(purged) bans older than dbpurgeage") }
        } catch {
            log("error: \(error)")
        }
        loop.schedule(after: 3600) { [unowned self] in purgeHistory() }
    }

    private func purgeWindows() {
        pipeline.purgeExpired()
        loop.schedule(after: 60) { [unowned self] in purgeWindows() }
        purgeHistory()
    }

    private func handle(_ report: ActionQueue.Report) {
        switch report {
        case .started(let jail, let action):
            log("[\(jail)] action \(action) started")
        case .stopped(_, _, let queue):
            stoppingQueues.remove(queue)
            if stopping, stoppingQueues.isEmpty { loop.stop() }
        case .failed(let jail, let action, let problem):
            log("error: [\(jail)] action \(action): \(problem)")
            audit.record(AuditEntry(.actionFailed, "[\(jail)] action \(action) failed: \(problem)", fields: [("BAILIFF_JAIL", jail)]))
        case .reconciled(let jail, let action, let restored):
            if !restored.isEmpty { log("[\(jail)] action \(action): put back \(restored.count) bans missing from the firewall") }
        case .reached(_, let queue):
            startingQueues.remove(queue)
            if startingQueues.isEmpty { becomeReady() }
        }
    }

    // MARK: - Stopping

    private func beginStop() {
        guard !stopping else { return }
        stopping = true
        service.send(.stopping)
        applyDecisions()
        if !feed.flush() {
            log("warning: \(ignoreGate.outstanding) ignorecommand checks are still running; the cursor stays before their entries, which are read again at the next start")
        }
        log("stopping")
        audit.record(AuditEntry(.stop, "bailiffd stopped"))
        // No new control connections or calls while the actions stop.
        control?.close()
        stoppingQueues = keeper.stopAll()
        guard !stoppingQueues.isEmpty else {
            loop.stop()
            return
        }
        loop.schedule(after: options.stopTimeout) { [unowned self] in
            log("warning: actions did not stop within \(options.stopTimeout)s")
            loop.stop()
        }
    }
}
