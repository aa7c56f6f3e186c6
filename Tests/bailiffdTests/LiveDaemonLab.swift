import BailiffControl
import BailiffTestSupport
import Foundation
import Glibc

/// bailiffd reading the system journal of a real systemd-journald (see LiveJournald) and
/// banning with real nftables in a network namespace of its own.
///
/// The daemon runs as `ip netns exec NS nsenter -t JOURNALD -m -- bailiffd ...`: ip enters
/// the network namespace (the mount namespace it makes for /sys is left at once), then
/// nsenter enters journald's mount namespace, where /run/log/journal and /run/systemd/journal
/// are that journald's. So sd_journal_open of the system journal reads it and the audit
/// entries (sd_journal_send) go to it. In this order ip never needs /run/netns inside the
/// private namespace, whichever namespace was made first. /tmp is shared, so the test
/// reaches the control socket, the state and the log from outside.
///
/// Failures are logged by a long-lived process named `sshd` (a copy of cat) on a journald
/// stream tagged `sshd`: its entries carry _COMM=sshd and SYSLOG_IDENTIFIER=sshd as a real
/// sshd's do, so the shipped sshd filter and its journalmatch apply unchanged. (A plain
/// `systemd-cat -t sshd` logs as `cat`, or without _COMM once it has exited, since journald
/// reads _COMM from /proc.)
final class LiveDaemonLab {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// A built executable of the package, beside the test bundle.
    static func executable(_ name: String) -> String? {
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for _ in 0..<3 {
            let candidate = directory.appendingPathComponent(name).path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            directory = directory.deletingLastPathComponent()
        }
        return nil
    }

    /// The MESSAGE_ID the journal catalog documents for the entry whose Subject starts so.
    static func catalogMessageID(subject: String) throws -> String {
        let catalog = try readFile(repository.appendingPathComponent("systemd/bailiff.catalog").path).split(separator: "\n")
        for (index, line) in catalog.enumerated() where line.hasPrefix("Subject: \(subject)") && index > 0 {
            let header = catalog[index - 1]
            if header.hasPrefix("-- ") { return String(header.dropFirst(3).prefix(32)) }
        }
        throw CommandFailure(command: ["catalog"], status: 0, output: "no catalog entry with Subject '\(subject)'")
    }

    struct LabFailure: Error, CustomStringConvertible {
        let description: String
    }

    let journald: LiveJournald
    let namespace: String
    let directory: String
    /// The `sshd` writer: one line, one journal entry.
    let sshd: LogStream
    let bailiffd: String
    let bailiff: String
    var config: String { directory + "/config" }
    var state: String { directory + "/state" }
    var socket: String { directory + "/control.sock" }
    /// bailiffd's standard output and error, over all its runs.
    var logPath: String { directory + "/bailiffd.log" }
    /// The running daemon (or systemd-socket-activate waiting to become it).
    private(set) var daemon: pid_t?

    init(jailLocal: String) throws {
        guard let bailiffd = Self.executable("bailiffd"), let bailiff = Self.executable("bailiff") else {
            throw LabFailure(description: "bailiffd and bailiff are built beside the tests")
        }
        let directory = try createTemporaryDirectory(prefix: "bailiff-live")
        let namespace = "bailiff-live-\(UInt32.random(in: 0...UInt32.max))"
        var namespaceMade = false
        var journald: LiveJournald?
        do {
            try Subprocess.run(["cp", "-R", Self.repository.appendingPathComponent("config").path, directory + "/config"])
            try writeFile(directory + "/config/jail.local", jailLocal)
            try Subprocess.run(["cp", "/bin/cat", directory + "/sshd"])
            try writeFile(directory + "/bailiffd.log", "")
            try Subprocess.run(["ip", "netns", "add", namespace])
            namespaceMade = true
            let started = try LiveJournald.start()
            journald = started
            sshd = try started.openStream(identifier: "sshd", command: [directory + "/sshd"])
        } catch {
            journald?.stop()
            if namespaceMade { _ = try? Subprocess.run(["ip", "netns", "del", namespace]) }
            removeTree(directory)
            throw error
        }
        self.journald = journald!
        self.namespace = namespace
        self.directory = directory
        self.bailiffd = bailiffd
        self.bailiff = bailiff
    }

    deinit {
        stopDaemon(signal: SIGKILL)
        sshd.close()
        journald.stop()
        _ = try? Subprocess.run(["ip", "netns", "del", namespace])
        removeTree(directory)
    }

    // MARK: - The daemon

    /// The command line that runs `arguments` in the network namespace and journald's mount namespace.
    func inLab(_ arguments: [String]) -> [String] {
        ["ip", "netns", "exec", namespace] + journald.inNamespace(arguments)
    }

    /// Starts bailiffd and waits until it is ready (its actions started, its bans restored).
    /// `descriptorLimit` sets its RLIMIT_NOFILE, as a unit's LimitNOFILE= does.
    func startDaemon(stateDirectory: String? = nil, socket: String? = nil, descriptorLimit: Int? = nil, extraArguments: [String] = []) throws {
        var arguments = [bailiffd, "--config", config, "--state-dir", stateDirectory ?? state, "--socket", socket ?? self.socket] + extraArguments
        if let descriptorLimit { arguments = ["prlimit", "--nofile=\(descriptorLimit):\(descriptorLimit)", "--"] + arguments }
        try launch(inLab(arguments))
        try waitUntilReady()
    }

    /// Starts bailiffd under `systemd-socket-activate`, listening on `listenPath`: the daemon
    /// itself starts at the first connection, with the socket passed as LISTEN_FDS.
    func startSocketActivated(listenPath: String, extraArguments: [String] = []) throws {
        // Like systemd, the activator gives the service a PATH and LISTEN_* only.
        try launch(inLab(["systemd-socket-activate", "--listen=\(listenPath)", "--fdname=varlink", "--setenv=PATH",
                          bailiffd, "--config", config, "--state-dir", state] + extraArguments))
        guard eventually(seconds: 10, { fileExists(listenPath) }) else {
            throw LabFailure(description: "systemd-socket-activate did not create \(listenPath); log: \(log)")
        }
    }

    private func launch(_ arguments: [String]) throws {
        guard daemon == nil else { throw LabFailure(description: "a daemon is running already") }
        readyLines = occurrences(of: "ready after ", in: log)
        daemon = try Subprocess.spawn(arguments, stdout: logPath, stderr: logPath)
    }

    /// "ready after" lines in the log before the last start, so each start waits for its own.
    private var readyLines = 0

    /// Waits until the daemon last started logs that it is ready.
    func waitUntilReady(seconds: Double = 20) throws {
        guard let pid = daemon else { throw LabFailure(description: "no daemon") }
        let ready = try eventually(seconds: seconds) {
            if let status = Subprocess.exitStatus(ifExited: pid) {
                daemon = nil
                throw LabFailure(description: "bailiffd exited with \(status) while starting; log: \(log)")
            }
            return occurrences(of: "ready after ", in: log) > readyLines
        }
        guard ready else { throw LabFailure(description: "bailiffd not ready within \(seconds)s; log: \(log)") }
    }

    /// Sends `signal` and waits for the daemon to exit; its exit status (128 + signal when killed).
    @discardableResult
    func stopDaemon(signal: Int32 = SIGTERM, seconds: Double = 20) -> Int32? {
        guard let pid = daemon else { return nil }
        daemon = nil
        kill(pid, signal)
        var status: Int32?
        _ = eventually(seconds: seconds) {
            status = Subprocess.exitStatus(ifExited: pid)
            return status != nil
        }
        if status == nil {
            kill(pid, SIGKILL)
            _ = Subprocess.wait(pid)
        }
        return status
    }

    /// Sends `signal` to the running daemon without waiting.
    func signalDaemon(_ signal: Int32) {
        if let daemon { kill(daemon, signal) }
    }

    var daemonPID: pid_t? { daemon }

    /// Whether the daemon process still runs (it is reaped if not).
    var daemonIsRunning: Bool {
        guard let pid = daemon else { return false }
        if Subprocess.exitStatus(ifExited: pid) != nil {
            daemon = nil
            return false
        }
        return true
    }

    var log: String { (try? readFile(logPath)) ?? "" }

    func occurrences(of text: String, in log: String) -> Int {
        log.components(separatedBy: text).count - 1
    }

    // MARK: - Failures and the journal

    /// Logs one sshd failure line per element of `addresses`, in order.
    func fail(_ addresses: [String]) throws {
        try sshd.write(addresses.map { Self.failureLine($0) })
    }

    static func failureLine(_ address: String) -> String {
        "Failed password for invalid user admin from \(address) port 22 ssh2"
    }

    /// The sshd entries in the journal, oldest first.
    func sshdEntries() throws -> [JournalRecord] {
        try journald.entries(["_COMM=sshd"])
    }

    /// Waits until the journal holds `count` sshd entries; returns them.
    func waitForSshdEntries(_ count: Int, seconds: Double = 20) throws -> [JournalRecord] {
        var entries: [JournalRecord] = []
        _ = try eventually(seconds: seconds) {
            entries = try sshdEntries()
            return entries.count >= count
        }
        return entries
    }

    // MARK: - Control

    /// A client of the daemon's control socket.
    func client(socket: String? = nil, timeout: Duration = .seconds(10)) throws -> VarlinkClient {
        try VarlinkClient(path: socket ?? self.socket, timeout: timeout)
    }

    /// Runs the `bailiff` client with `arguments`, then `--socket` and this lab's socket.
    func bailiff(_ arguments: [String], socket: String? = nil) throws -> Subprocess.Outcome {
        try Subprocess.capture([bailiff] + arguments + ["--socket", socket ?? self.socket])
    }

    /// The bans in force, by address.
    func bans(socket: String? = nil) throws -> [String: BailiffInterface.ActiveBan] {
        let bans = try client(socket: socket).call(BailiffInterface.ListBans.self, .init()).bans
        return Dictionary(bans.map { ($0.address, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// The status of the sshd jail and the journal, as the daemon reports them.
    func status(socket: String? = nil) throws -> BailiffInterface.Status {
        try client(socket: socket).call(BailiffInterface.GetStatus.self, .init()).status
    }

    /// Waits until the daemon has read up to the last sshd entry in the journal.
    func waitUntilCaughtUp(socket: String? = nil, seconds: Double = 20) throws -> Bool {
        guard let last = try sshdEntries().last?.cursor else { return true }
        return eventually(seconds: seconds) { (try? status(socket: socket).journal.cursor) == last }
    }

    // MARK: - The firewall

    /// The addresses in bailiff's nftables address sets of `jail`, read as JSON from the kernel.
    func nftablesBans(jail: String = "sshd") -> Set<String> {
        var addresses = Set<String>()
        for family in ["v4", "v6"] {
            guard let outcome = try? Subprocess.capture(["ip", "netns", "exec", namespace, "nft", "-j", "list", "set", "inet", "bailiff", "jail-\(jail)-\(family)-addr"]),
                  outcome.status == 0,
                  let object = try? JSONSerialization.jsonObject(with: Data(outcome.standardOutput.utf8)) as? [String: Any],
                  let items = object["nftables"] as? [[String: Any]]
            else { continue }
            for item in items {
                guard let set = item["set"] as? [String: Any], let elements = set["elem"] as? [Any] else { continue }
                for element in elements {
                    if let address = element as? String {
                        addresses.insert(address)
                    } else if let wrapper = element as? [String: Any], let inner = wrapper["elem"] as? [String: Any], let address = inner["val"] as? String {
                        addresses.insert(address)
                    }
                }
            }
        }
        return addresses
    }
}

/// Polls `condition` every 50 ms for up to `seconds`.
func eventually(seconds: Double, _ condition: () throws -> Bool) rethrows -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if try condition() { return true }
        usleep(50_000)
    }
    return try condition()
}
