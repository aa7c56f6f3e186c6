import Glibc

/// A real systemd-journald in a private mount namespace: tmpfs over /run/systemd, /run/log
/// (and /var/log/journal when it exists), so it neither sees nor touches the host's journal.
/// The test process stays outside and reads the journal through `/proc/PID/root`; commands
/// that must talk to this journald (systemd-cat, journalctl --rotate) run via nsenter.
///
/// A shell in the namespace holds journald and stops it when its standard input, a pipe
/// only this process writes to, closes: on `stop()`, and also when a crashed test process
/// could not call it.
final class LiveJournald: Sendable {
    /// The shell holding journald: same mount namespace, so `/proc/PID/root` and `nsenter -t PID` reach it.
    let pid: pid_t
    /// Our end of the shell's standard input.
    private let lifeline: Int32

    /// The runtime journal directory, as seen from outside the namespace.
    var journalDirectory: String { "/proc/\(pid)/root/run/log/journal" }

    static let journald = "/lib/systemd/systemd-journald"

    /// Volatile storage, no kernel log, no rate limit (tests write bursts), nothing forwarded.
    private static let configuration = """
        [Journal]
        Storage=volatile
        ReadKMsg=no
        RateLimitIntervalSec=0
        ForwardToSyslog=no
        ForwardToKMsg=no
        ForwardToConsole=no
        ForwardToWall=no
        RuntimeMaxUse=64M
        """

    /// journald runs under a loop that starts it again when it dies, as systemd would, until
    /// the stop mark exists; so a test can kill it and watch it come back.
    private static let startScript = """
        set -e
        mount -t tmpfs -o mode=0755 tmpfs /run/systemd
        mount -t tmpfs -o mode=0755 tmpfs /run/log
        if [ -d /var/log/journal ]; then mount -t tmpfs -o mode=0755 tmpfs /var/log/journal; fi
        mkdir -p /run/systemd/journald.conf.d
        printf '%s\\n' "$1" > /run/systemd/journald.conf.d/bailiff-test.conf
        set +e
        while [ ! -e /run/systemd/bailiff-test-stop ]; do \(journald) </dev/null; sleep 0.05; done &
        supervisor=$!
        cat >/dev/null
        touch /run/systemd/bailiff-test-stop
        kill $(cat /proc/$supervisor/task/$supervisor/children) 2>/dev/null
        wait $supervisor
        """

    private init(pid: pid_t, lifeline: Int32) {
        self.pid = pid
        self.lifeline = lifeline
    }

    /// Starts journald and waits until it accepts entries.
    static func start() throws -> LiveJournald {
        var ends: [Int32] = [0, 0]
        // (pipe2 is not in Swift's Glibc module.) A command spawned by another test in between
        // could inherit an end; that only delays the stop until it exits.
        guard pipe(&ends) == 0 else { throw FileError(path: "pipe", action: "creating", code: errno) }
        for end in ends { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
        defer { close(ends[0]) }
        // unshare without --fork execs the shell: its PID is the namespace's.
        let pid: pid_t
        do {
            pid = try Subprocess.spawn(
                ["unshare", "-m", "--propagation", "private", "sh", "-c", startScript, "sh", configuration], stdinDescriptor: ends[0])
        } catch {
            close(ends[1])
            throw error
        }
        let journald = LiveJournald(pid: pid, lifeline: ends[1])
        do {
            try journald.waitUntilReady()
        } catch {
            journald.stop()
            throw error
        }
        return journald
    }

    private func waitUntilReady() throws {
        let socket = "/proc/\(pid)/root/run/systemd/journal/stdout"
        for _ in 0..<200 {
            if fileExists(socket), !journalFiles().isEmpty { return }
            var status: Int32 = 0
            if waitpid(pid, &status, WNOHANG) == pid {
                throw CommandFailure(command: ["unshare", "...", Self.journald], status: status, output: "journald exited during start-up")
            }
            usleep(25_000)
        }
        throw CommandFailure(command: [Self.journald], status: -1, output: "journald did not become ready within 5s")
    }

    /// The journal files, by path as seen from outside.
    func journalFiles() -> [String] {
        directoryEntries(journalDirectory).flatMap { machine in
            directoryEntries("\(journalDirectory)/\(machine)")
                .filter { $0.hasSuffix(".journal") }
                .map { "\(journalDirectory)/\(machine)/\($0)" }
        }
    }

    /// Logs each line as one entry with SYSLOG_IDENTIFIER=`identifier` (through journald's stdout stream).
    func log(_ lines: [String], identifier: String) throws {
        let input = try Subprocess.temporaryFile()
        defer { unlink(input) }
        try writeFile(input, lines.map { $0 + "\n" }.joined())
        try Subprocess.run(["nsenter", "-t", "\(pid)", "-m", "systemd-cat", "-t", identifier], inputFile: input)
    }

    /// Waits until journald has written everything it received to its files.
    func sync() throws {
        try Subprocess.run(["nsenter", "-t", "\(pid)", "-m", "journalctl", "--sync"])
    }

    /// Asks journald to archive its files and start new ones.
    func rotate() throws {
        try Subprocess.run(["nsenter", "-t", "\(pid)", "-m", "journalctl", "--rotate"])
    }

    /// Deletes archived files until at most `files` remain.
    func vacuum(files: Int) throws {
        try Subprocess.run(["nsenter", "-t", "\(pid)", "-m", "journalctl", "--vacuum-files=\(files)"])
    }

    /// The running journald processes of this namespace (normally one).
    func journaldProcesses() -> [pid_t] {
        guard let namespace = readLink("/proc/\(pid)/ns/mnt") else { return [] }
        return directoryEntries("/proc").compactMap { pid_t($0) }.filter { candidate in
            (try? readFile("/proc/\(candidate)/comm"))?.hasPrefix("systemd-journal") == true
                && readLink("/proc/\(candidate)/ns/mnt") == namespace
        }
    }

    /// Kills journald with SIGKILL, as a crash would, and waits until a new one accepts entries.
    func crashAndRestart() throws {
        let before = journaldProcesses()
        guard !before.isEmpty else { throw CommandFailure(command: [Self.journald], status: -1, output: "no journald to kill") }
        for process in before { kill(process, SIGKILL) }
        for _ in 0..<200 {
            let now = journaldProcesses()
            if !now.isEmpty, Set(now).isDisjoint(with: before), fileExists("/proc/\(pid)/root/run/systemd/journal/stdout") {
                // It accepts entries once it answers a sync request.
                if (try? Subprocess.run(["nsenter", "-t", "\(pid)", "-m", "journalctl", "--sync"])) != nil { return }
            }
            usleep(25_000)
        }
        throw CommandFailure(command: [Self.journald], status: -1, output: "journald did not come back within 5s of being killed")
    }

    /// Stops journald; its mount namespace disappears with it.
    func stop() {
        close(lifeline)
        for _ in 0..<200 {
            var status: Int32 = 0
            if waitpid(pid, &status, WNOHANG) == pid { return }
            usleep(25_000)
        }
        // Not down after 5s: kill the loop, journald and the shell, by their PIDs.
        let children = (try? readFile("/proc/\(pid)/task/\(pid)/children")) ?? ""
        for child in children.split(separator: " ").compactMap({ pid_t($0.filter { !$0.isWhitespace }) }) {
            kill(child, SIGKILL)
        }
        for process in journaldProcesses() { kill(process, SIGKILL) }
        kill(pid, SIGKILL)
        _ = Subprocess.wait(pid)
    }
}
