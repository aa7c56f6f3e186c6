import BailiffControl
import Foundation
import Testing

/// Runs the built `bailiffd` inside a network namespace of its own, against journal files
/// generated for the test, so every firewall change stays in that namespace.
final class DaemonHarness {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static var executable: URL? { LiveDaemonLab.executable("bailiffd").map { URL(fileURLWithPath: $0) } }

    let namespace = "bailiffd-t-\(UInt32.random(in: 0...UInt32.max))"
    let directory: URL
    var config: URL { directory.appendingPathComponent("config") }
    var state: URL { directory.appendingPathComponent("state") }
    var journal: URL { directory.appendingPathComponent("journal") }
    var controlSocket: String { directory.appendingPathComponent("control.sock").path }
    private var process: Process?
    private var errorFile: URL { directory.appendingPathComponent("bailiffd.err") }

    init(jailLocal: String, lines: Int = 2000, attackers: Int = 30) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("bailiffd-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: journal, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: Self.repository.appendingPathComponent("config"), to: config)
        try jailLocal.write(to: config.appendingPathComponent("jail.local"), atomically: true, encoding: .utf8)
        // Failures from the last few minutes, so that bans made from them are still running.
        let start = ISO8601DateFormatter().string(from: Date().addingTimeInterval(-600)).replacingOccurrences(of: "Z", with: "")
        try Self.shell("""
            '\(Self.repository.path)/scripts/gen-sshd-log' --lines \(lines) --attackers \(attackers) --start '\(start)' --format export \
              | /lib/systemd/systemd-journal-remote --output='\(journal.path)/sshd.journal' - 2>/dev/null
            """)
        try Self.shell("ip netns add \(namespace)")
    }

    deinit {
        stop(signal: SIGKILL)
        _ = try? Self.shell("ip netns del \(namespace)")
        try? FileManager.default.removeItem(at: directory)
    }

    /// Starts bailiffd; `environment` adds to the test's own (NOTIFY_SOCKET, WATCHDOG_USEC...).
    func start(extraArguments: [String] = [], environment: [String: String] = [:]) throws {
        let binary = try #require(Self.executable, "bailiffd is built beside the tests")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/sbin/ip")
        process.arguments = ["netns", "exec", namespace, binary.path, "--config", config.path, "--state-dir", state.path,
                             "--journal-directory", journal.path, "--socket", controlSocket] + extraArguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        _ = FileManager.default.createFile(atPath: errorFile.path, contents: nil)
        process.standardError = try FileHandle(forWritingTo: errorFile)
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        self.process = process
    }

    func stop(signal: Int32 = SIGTERM) {
        guard let process, process.isRunning else { return }
        kill(process.processIdentifier, signal)
        process.waitUntilExit()
        self.process = nil
    }

    var processID: pid_t? { process?.processIdentifier }

    /// A client of the daemon's control socket.
    func client(timeout: Duration = .seconds(10)) throws -> VarlinkClient {
        try VarlinkClient(path: controlSocket, timeout: timeout)
    }

    /// Sends `signal` without waiting for anything.
    func signal(_ signal: Int32) {
        if let process, process.isRunning { kill(process.processIdentifier, signal) }
    }

    /// Waits for the process to end by itself; its exit status, or nil after `seconds`.
    func waitForExit(seconds: Double) -> Int32? {
        guard let process else { return nil }
        guard wait(seconds: seconds, until: { !process.isRunning }) else { return nil }
        self.process = nil
        return process.terminationStatus
    }

    var log: String { (try? String(contentsOf: errorFile, encoding: .utf8)) ?? "" }

    /// Polls `condition` every 100 ms for up to `seconds`.
    func wait(seconds: Double, until condition: () throws -> Bool) rethrows -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if try condition() { return true }
            usleep(100_000)
        }
        return try condition()
    }

    /// Runs a command in the namespace and returns its output.
    func inNamespace(_ command: String) throws -> String {
        try Self.shell("ip netns exec \(namespace) sh -c \(Self.quote(command))")
    }

    /// The addresses and networks in the elements of bailiff's nftables sets.
    func nftablesBans() -> Set<String> {
        let text = (try? inNamespace("nft list table inet bailiff 2>/dev/null")) ?? ""
        var addresses = Set<String>()
        for line in text.split(separator: "\n") {
            guard let start = line.range(of: "elements = {")?.upperBound ?? (line.contains(" timeout ") ? line.startIndex : nil) else { continue }
            for element in line[start...].split(separator: ",") {
                guard let word = element.split(whereSeparator: { " {}\t".contains($0) }).first else { continue }
                if word.contains(".") || word.contains(":") { addresses.insert(String(word)) }
            }
        }
        return addresses
    }

    /// The active bans in the store, by target.
    func storedBans(jail: String = "sshd") throws -> Set<String> {
        let output = try Self.shell("sqlite3 '\(state.path)/bans.sqlite3' \"SELECT target FROM active_bans WHERE jail = '\(jail)'\"")
        return Set(output.split(separator: "\n").map(String.init))
    }

    @discardableResult
    static func shell(_ command: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw ShellFailure(command: command, status: process.terminationStatus)
        }
        return String(decoding: data, as: UTF8.self)
    }

    static func quote(_ text: String) -> String { "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'" }
}

struct ShellFailure: Error, CustomStringConvertible {
    let command: String
    let status: Int32
    var description: String { "'\(command)' exited with \(status)" }
}
