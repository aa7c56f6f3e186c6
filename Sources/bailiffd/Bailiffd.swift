import ArgumentParser
import BailiffDaemon
import BailiffJournal
import Glibc

@main
struct Bailiffd: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bailiffd",
        abstract: "Read the systemd journal, count failures per host and ban repeat offenders in the firewall.",
        discussion: """
            bailiffd runs the enabled jails of a fail2ban-style configuration over the journal, keeps its
            place (cursor) and its bans in the state directory, and resumes exactly where it stopped.
            SIGTERM or SIGINT stops it; bans stay in the store and come back at the next start.
            """
    )

    @Option(name: .customLong("config"), help: "The configuration directory.")
    var configDirectory = "/etc/bailiff"

    @Option(name: .customLong("state-dir"), help: "Where the cursor and the ban store live (default: $STATE_DIRECTORY, else /var/lib/bailiff).")
    var stateDirectory: String?

    @Option(name: .customLong("journal-directory"), help: "Read the journal files in this directory instead of the system journal.")
    var journalDirectory: String?

    @Option(name: .customLong("journal-file"), help: "Read this journal file (repeatable) instead of the system journal.")
    var journalFiles: [String] = []

    @Flag(name: .customLong("dry-run"), help: "Decide and audit bans, but change no firewall.")
    var dryRun = false

    @Flag(name: .customLong("foreground"), help: "Stay in the foreground (bailiffd never forks; accepted for compatibility).")
    var foreground = false

    @Option(name: .customLong("reconcile-interval"), help: "Seconds between checks of the firewall against the ban store.")
    var reconcileInterval: Double = 300

    @Option(name: .customLong("socket"), help: "Where to bind the control socket when systemd does not pass one.")
    var controlSocket = "/run/bailiff/io.bailiff"

    @Option(name: .customLong("log-level"), help: "Least important messages to show: error, warning or info.")
    var logLevel: LogLevel = .info

    func validate() throws {
        if journalDirectory != nil, !journalFiles.isEmpty { throw ValidationError("give --journal-directory or --journal-file, not both") }
        guard reconcileInterval > 0 else { throw ValidationError("--reconcile-interval must be positive") }
    }

    func run() throws {
        // systemd's StateDirectory= sets $STATE_DIRECTORY; a list takes its first entry.
        let fromSystemd = getenv("STATE_DIRECTORY").map { String(cString: $0).split(separator: ":").first.map(String.init) } ?? nil
        var source = JournalSource.system
        if let journalDirectory { source = .directory(journalDirectory) }
        if !journalFiles.isEmpty { source = .files(journalFiles) }
        let options = Daemon.Options(
            configDirectory: configDirectory, stateDirectory: stateDirectory ?? fromSystemd ?? "/var/lib/bailiff", source: source,
            dryRun: dryRun, reconcileInterval: reconcileInterval, controlSocket: controlSocket)
        let logger = LogWriter(threshold: logLevel)
        let daemon = Daemon(options: options) { line in logger.write(line) }
        do {
            try daemon.run()
        } catch {
            writeError("bailiffd: \(error)")
            throw ExitCode(1)
        }
    }
}

/// One line to standard error, written at once (journald stores each line as an entry).
func writeError(_ line: String) {
    var text = line + "\n"
    text.withUTF8 { bytes in _ = write(STDERR_FILENO, bytes.baseAddress, bytes.count) }
}
