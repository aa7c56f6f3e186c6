import ArgumentParser
import BailiffConfig
import BailiffEngine
import BailiffJournal
import Glibc

struct ReplayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Run the enabled jails over the journal and print their ban decisions, acting on nothing.",
        discussion: """
        Reads what the journal holds now, the way the daemon reads it: one reader for every
        jail, each entry filtered by the jails whose journalmatch it satisfies, failures
        counted in maxretry/findtime windows. Each ban decision is printed as one line:
          ban JAIL ID failures=N first=TIME last=TIME trigger=CURSOR

        With --state-dir the cursor and recent decisions are kept there, as the daemon keeps
        them: a second run continues right after the first, and no entry is counted twice.
        """
    )

    @OptionGroup var options: ConfigOptions
    @OptionGroup var journal: JournalOptions
    @Option(name: .customLong("state-dir"), help: "Keep the cursor and recent decisions in this directory.") var stateDirectory: String?
    @Option(help: "Run only this jail (repeatable).") var jail: [String] = []
    @Option(help: "Without a saved cursor, start at this time (epoch seconds, -1h, or YYYY-MM-DD[ HH:MM[:SS]]); default: the oldest entry, or now - findtime with --state-dir.")
    var since: String?
    @Option(name: .customLong("max-entries"), help: "Stop after this many entries (replay before the cursor not counted).") var maxEntries: Int?
    @Flag(help: "Print only the summary, not each decision.") var quiet = false

    func run() throws {
        let outcome = JailLoader(tree: ConfigTree(directory: options.config)).load()
        for error in outcome.errors { printError("error: \(error)") }
        if !outcome.errors.isEmpty { throw ExitCode(2) }
        var jails = outcome.jails.filter { $0.enabled }
        if !jail.isEmpty {
            for name in jail where !jails.contains(where: { $0.name == name }) {
                printError("error: no enabled jail named '\(name)' in \(options.config)")
                throw ExitCode(2)
            }
            jails = jails.filter { jail.contains($0.name) }
        }
        let now = Double(time(nil))
        var startTime = try since.map { try TimeArgument.parse($0, now: now) }
        if startTime == nil, stateDirectory == nil { startTime = 0 }
        let pipeline: JournalPipeline
        do {
            pipeline = try JournalPipeline(
                jails: jails,
                options: .init(source: journal.source, stateDirectory: stateDirectory, startTime: startTime, now: { Double(time(nil)) }))
        } catch {
            printError("error: \(error)")
            throw ExitCode(2)
        }
        var decisions = 0
        do {
            // journald may truncate or free files it archives while they are being read.
            try JournalBusErrorGuard.install()
            let start = try pipeline.start()
            for warning in pipeline.warnings { printError("warning: \(warning)") }
            let read = try pipeline.processAvailable(limit: maxEntries ?? .max) { decision in
                decisions += 1
                guard !quiet else { return }
                let d = decision.decision
                print("ban \(decision.jail) \(d.id) failures=\(d.failures) first=\(d.firstTime) last=\(d.lastTime) trigger=\(decision.triggerCursor)")
            }
            _ = try pipeline.commit()
            printError("read \(read) entries (\(pipeline.entriesRead - read) replayed before the cursor), \(decisions) ban decisions; started \(start)")
            printError("  cpu: reading thread \(Self.seconds(pipeline.readingThreadCPUSeconds)), filtering thread \(Self.seconds(Self.ownThreadCPUSeconds))")
            for jail in pipeline.jails {
                let s = jail.statistics
                printError("  [\(jail.name)] entries \(s.entries), matched \(s.matched), failures \(s.failures), ignored \(s.ignored), decisions \(s.decisions), in windows \(jail.windowSizes.ids) ids")
            }
        } catch {
            printError("error: \(error)")
            throw ExitCode(1)
        }
    }

    /// CPU time this thread (the one filtering and counting) has used, in seconds.
    private static var ownThreadCPUSeconds: Double? {
        var time = timespec()
        guard clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time) == 0 else { return nil }
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }

    private static func seconds(_ value: Double?) -> String {
        guard let value else { return "unknown" }
        let milliseconds = Int((value * 1000).rounded())
        let fraction = String(milliseconds % 1000)
        return "\(milliseconds / 1000).\(String(repeating: "0", count: 3 - fraction.count))\(fraction) s"
    }
}
