import Foundation
import Glibc
import Synchronization

/// A real systemd-journald in a private mount namespace: tmpfs over /run/systemd, /run/log
/// (and /var/log/journal when it exists), so it neither sees nor touches the host's journal.
/// The test process stays outside and reads the journal through `/proc/PID/root`; commands
/// that must talk to this journald (systemd-cat, journalctl --rotate) run via nsenter.
///
/// A shell in the namespace holds journald and stops it when its standard input, a pipe
/// only this process writes to, closes: on `stop()`, and also when a crashed test process
/// could not call it.
public final class LiveJournald: Sendable {
    /// The shell holding journald: same mount namespace, so `/proc/PID/root` and `nsenter -t PID` reach it.
    public let pid: pid_t
    /// Our end of the shell's standard input.
    private let lifeline: Int32

    /// The runtime journal directory, as seen from outside the namespace.
    public var journalDirectory: String { "/proc/\(pid)/root/run/log/journal" }

    public static let journald = "/lib/systemd/systemd-journald"

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
    public static func start() throws -> LiveJournald {
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
    public func journalFiles() -> [String] {
        directoryEntries(journalDirectory).flatMap { machine in
            directoryEntries("\(journalDirectory)/\(machine)")
                .filter { $0.hasSuffix(".journal") }
                .map { "\(journalDirectory)/\(machine)/\($0)" }
        }
    }

    /// Logs each line as one entry with SYSLOG_IDENTIFIER=`identifier` (through journald's stdout stream).
    public func log(_ lines: [String], identifier: String) throws {
        let input = try Subprocess.temporaryFile()
        defer { unlink(input) }
        try writeFile(input, lines.map { $0 + "\n" }.joined())
        try Subprocess.run(["nsenter", "-t", "\(pid)", "-m", "systemd-cat", "-t", identifier], inputFile: input)
    }

    /// Waits until journald has written everything it received to its files.
    public func sync() throws {
        try Subprocess.run(["nsenter", "-t", "\(pid)", "-m", "journalctl", "--sync"])
    }

    /// Asks journald to archive its files and start new ones.
    public func rotate() throws {
        try Subprocess.run(["nsenter", "-t", "\(pid)", "-m", "journalctl", "--rotate"])
    }

    /// Deletes archived files until at most `files` remain.
    public func vacuum(files: Int) throws {
        try Subprocess.run(["nsenter", "-t", "\(pid)", "-m", "journalctl", "--vacuum-files=\(files)"])
    }

    /// Logs `lines` in `rounds` equal parts. After each part the journal is rotated, and once
    /// `hasRead(round)` says the reader has that part, vacuumed to one file: deleting files the
    /// reader has not read would lose entries by design. Returns why it stopped early, or nil;
    /// it stops quietly when `gaveUp()` says the reader has stopped.
    public func logInRotatedRounds(
        _ lines: [String], rounds: Int, identifier: String, hasRead: (Int) -> Bool, gaveUp: () -> Bool = { false }
    ) -> String? {
        let perRound = lines.count / rounds
        do {
            for round in 0..<rounds {
                try log(Array(lines[(round * perRound)..<((round + 1) * perRound)]), identifier: identifier)
                try rotate()
                let deadline = monotonicNow() + 20
                while !hasRead(round) {
                    if gaveUp() { return nil }
                    if monotonicNow() > deadline { return "the reader did not get round \(round) within 20s" }
                    usleep(5_000)
                }
                try vacuum(files: 1)
            }
        } catch {
            return "\(error)"
        }
        return nil
    }

    /// `arguments` run in this journald's mount namespace, where the system journal is this journald's.
    public func inNamespace(_ arguments: [String]) -> [String] {
        ["nsenter", "-t", "\(pid)", "-m", "--"] + arguments
    }

    /// The entries `journalctl` shows for `arguments` (matches, --cursor=...), read in the namespace.
    public func entries(_ arguments: [String]) throws -> [JournalRecord] {
        let output = try Subprocess.run(inNamespace(["journalctl", "--no-pager", "--output=json"] + arguments))
        return try output.split(separator: "\n").map { try JournalRecord(json: String($0)) }
    }

    /// Starts `command` with its standard output on a journald stream tagged `identifier`
    /// (`systemd-cat -t IDENTIFIER COMMAND`), reading the lines to log from a socket this
    /// process writes to. journald takes _COMM, _PID and the like from the writer while it
    /// lives, so a long-lived writer named like a service logs as that service would.
    public func openStream(identifier: String, command: [String]) throws -> LogStream {
        var ends: [Int32] = [0, 0]
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &ends) == 0 else {
            throw FileError(path: "socketpair", action: "creating", code: errno)
        }
        defer { close(ends[1]) }
        let writer: pid_t
        do {
            writer = try Subprocess.spawn(inNamespace(["systemd-cat", "-t", identifier] + command), stdinDescriptor: ends[1])
        } catch {
            close(ends[0])
            throw error
        }
        return LogStream(pid: writer, input: ends[0])
    }

    /// The running journald processes of this namespace (normally one).
    public func journaldProcesses() -> [pid_t] {
        guard let namespace = readLink("/proc/\(pid)/ns/mnt") else { return [] }
        return directoryEntries("/proc").compactMap { pid_t($0) }.filter { candidate in
            (try? readFile("/proc/\(candidate)/comm"))?.hasPrefix("systemd-journal") == true
                && readLink("/proc/\(candidate)/ns/mnt") == namespace
        }
    }

    /// Kills journald with SIGKILL, as a crash would, and waits until a new one accepts entries.
    public func crashAndRestart() throws {
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
    public func stop() {
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

/// A writer to a journald stream (see `LiveJournald.openStream`): one line, one entry.
public final class LogStream: Sendable {
    /// The writer process, as journald sees it (_PID).
    public let pid: pid_t
    private let input: Int32
    private let closed = Atomic<Bool>(false)

    init(pid: pid_t, input: Int32) {
        self.pid = pid
        self.input = input
    }

    deinit {
        close()
    }

    /// Sends `lines`, each to become one entry.
    public func write(_ lines: [String]) throws {
        let bytes = Array(lines.map { $0 + "\n" }.joined().utf8)
        var offset = 0
        while offset < bytes.count {
            let sent = bytes.withUnsafeBytes { send(input, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL)) }
            if sent < 0 {
                if errno == EINTR { continue }
                throw FileError(path: "the log stream of process \(pid)", action: "writing to", code: errno)
            }
            offset += sent
        }
    }

    /// Ends the stream and waits for the writer to exit.
    public func close() {
        guard !closed.exchange(true, ordering: .acquiringAndReleasing) else { return }
        Glibc.close(input)
        _ = Subprocess.wait(pid)
    }
}

/// One journal entry as `journalctl --output=json` prints it. A field that repeats is a list.
public struct JournalRecord: Sendable {
    public let fields: [String: [String]]

    public init(json: String) throws {
        guard let object = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any] else {
            throw CommandFailure(command: ["journalctl", "--output=json"], status: 0, output: "not a JSON object: \(json)")
        }
        var fields: [String: [String]] = [:]
        for (name, value) in object {
            switch value {
            case let text as String: fields[name] = [text]
            case let list as [String]: fields[name] = list
            // Binary values come as arrays of bytes, and huge ones as null: neither is used here.
            default: fields[name] = []
            }
        }
        self.fields = fields
    }

    /// The field's first value.
    public subscript(_ name: String) -> String? { fields[name]?.first }

    /// Every value of the field, in order.
    public func values(_ name: String) -> [String] { fields[name] ?? [] }

    public var cursor: String { self["__CURSOR"] ?? "" }
    public var message: String { self["MESSAGE"] ?? "" }
}

/// Seconds on the monotonic clock, for deadlines in tests.
public func monotonicNow() -> Double {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
}
