import BailiffBans
import BailiffConfig
import BailiffEngine
import BailiffJournal
import BailiffNetwork
import Glibc

/// bailiffd: reads the journal, decides bans, keeps them in the store and the firewall.
/// Everything runs on the thread that calls `run()`, around one `EventLoop`; action
/// commands run beside it and report through a mailbox.
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

        public init(
            configDirectory: String, stateDirectory: String, source: JournalSource = .system, dryRun: Bool = false,
            launcher: [String] = [], reconcileInterval: Double = 300, stopTimeout: Double = 5
        ) {
            self.configDirectory = configDirectory
            self.stateDirectory = stateDirectory
            self.source = source
            self.dryRun = dryRun
            self.launcher = launcher
            self.reconcileInterval = reconcileInterval
            self.stopTimeout = stopTimeout
        }
    }

    public struct StartFailure: Error, CustomStringConvertible {
        public let description: String
    }

    private let options: Options
    private let loop = EventLoop()
    private let log: (String) -> Void
    private let audit = AuditLog()
    private var keeper: BanKeeper?
    private var feed: JournalFeed?
    private var pendingDecisions: [JailDecision] = []
    private var expiryTimer: EventLoop.TimerID?
    private var actionsRunning = 0
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
        // Before any other thread exists, so that all of them inherit the blocked signals.
        let signals = try SignalSource(signals: [SIGTERM, SIGINT, SIGHUP])
        // A client or command that goes away must cost a write error, not the process.
        signal(SIGPIPE, SIG_IGN)
        try JournalBusErrorGuard.install()

        let outcome = JailLoader(tree: ConfigTree(directory: options.configDirectory)).load()
        for warning in outcome.warnings { log("warning: \(warning)") }
        guard outcome.errors.isEmpty else {
            throw StartFailure(description: outcome.errors.map { "\($0)" }.joined(separator: "\n"))
        }
        let jails = outcome.jails.filter(\.enabled)
        guard !jails.isEmpty else { throw StartFailure(description: "no enabled jail in \(options.configDirectory)") }

        // Opening the store creates the state directory when it is missing.
        let opening = try BanStore.open(inDirectory: options.stateDirectory, now: Self.wallClock())
        if let recovery = opening.recovery { log("error: \(recovery)") }

        let mailbox = try Mailbox<ActionQueue.Report>()
        mailbox.attach(to: loop) { [unowned self] report in handle(report) }
        let keeper = try BanKeeper(
            jails: jails, store: opening.store, launcher: options.launcher, audit: audit, wallClock: Self.wallClock,
            log: log, report: { mailbox.send($0) })
        self.keeper = keeper

        let pipeline = try JournalPipeline(
            jails: jails, options: .init(source: options.source, stateDirectory: options.stateDirectory, now: { Daemon.wallClock() }))
        for warning in pipeline.warnings { log("warning: \(warning)") }

        if !options.dryRun {
            actionsRunning = keeper.allQueues.count
            let restored = try keeper.startAndRestore()
            if restored > 0 { log("restoring \(restored) bans") }
        }
        scheduleExpiry(keeper.expireDue())

        let start = try pipeline.start()
        for warning in pipeline.warnings { log("warning: \(warning)") }
        log("reading \(options.source) from \(start); \(jails.count) jails: \(jails.map(\.name).joined(separator: ", "))")
        let feed = JournalFeed(
            pipeline: pipeline, loop: loop, decide: { [unowned self] in pendingDecisions.append($0) },
            afterBatch: { [unowned self] in applyDecisions() }, report: log)
        try feed.attach()
        self.feed = feed

        signals.attach(to: loop) { [unowned self] signal in
            switch signal {
            case SIGHUP: log("reload is not available yet; restart to apply a new configuration")
            default: beginStop()
            }
        }
        loop.schedule(after: 60) { [unowned self] in purgeWindows() }
        if !options.dryRun { loop.schedule(after: options.reconcileInterval) { [unowned self] in reconcile() } }
        audit.record(AuditEntry(.start, "bailiffd started", fields: [("BAILIFF_JAILS", jails.map(\.name).joined(separator: " "))]))
        try loop.run()
    }

    // MARK: - Decisions and bans

    private func applyDecisions() {
        guard !pendingDecisions.isEmpty, let keeper else { return }
        let decisions = pendingDecisions
        pendingDecisions.removeAll()
        if options.dryRun {
            for decision in decisions { log("[\(decision.jail)] would ban \(decision.decision.id) (dry run)") }
            return
        }
        for ban in keeper.apply(decisions) {
            log("[\(ban.jail)] Ban \(ban.target) for \(ban.duration) after \(ban.failures) failures")
        }
        scheduleExpiry(keeper.expireDue())
    }

    private func scheduleExpiry(_ next: Double?) {
        if let expiryTimer { loop.cancel(expiryTimer) }
        expiryTimer = nil
        guard let next, let keeper, !options.dryRun else { return }
        expiryTimer = loop.schedule(after: next - Self.wallClock()) { [unowned self] in
            expiryTimer = nil
            scheduleExpiry(keeper.expireDue())
        }
    }

    private func reconcile() {
        keeper?.reconcile()
        loop.schedule(after: options.reconcileInterval) { [unowned self] in reconcile() }
    }

    private func purgeWindows() {
        feed?.pipeline.purgeExpired()
        loop.schedule(after: 60) { [unowned self] in purgeWindows() }
    }

    private func handle(_ report: ActionQueue.Report) {
        switch report {
        case .started(let jail, let action):
            log("[\(jail)] action \(action) started")
        case .stopped:
            actionsRunning -= 1
            if stopping, actionsRunning <= 0 { loop.stop() }
        case .failed(let jail, let action, let problem):
            log("error: [\(jail)] action \(action): \(problem)")
            audit.record(AuditEntry(.actionFailed, "[\(jail)] action \(action) failed: \(problem)", fields: [("BAILIFF_JAIL", jail)]))
        case .reconciled(let jail, let action, let restored):
            if !restored.isEmpty { log("[\(jail)] action \(action): put back \(restored.count) bans missing from the firewall") }
        }
    }

    // MARK: - Stopping

    private func beginStop() {
        guard !stopping else { return }
        stopping = true
        applyDecisions()
        feed?.flush()
        log("stopping")
        audit.record(AuditEntry(.stop, "bailiffd stopped"))
        guard !options.dryRun, actionsRunning > 0, let keeper else {
            loop.stop()
            return
        }
        keeper.stopAll()
        loop.schedule(after: options.stopTimeout) { [unowned self] in
            log("warning: actions did not stop within \(options.stopTimeout)s")
            loop.stop()
        }
    }
}
