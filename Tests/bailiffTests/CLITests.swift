import Foundation
import Testing

/// Runs the built `bailiff` executable, as a user would.
struct CLI {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static var executable: URL? {
        let testBundle = URL(fileURLWithPath: CommandLine.arguments[0])
        var directory = testBundle.deletingLastPathComponent()
        for _ in 0..<3 {
            let candidate = directory.appendingPathComponent("bailiff")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            directory = directory.deletingLastPathComponent()
        }
        return nil
    }

    /// Runs `bailiff` with `arguments`; `environment` is added to this process's, except
    /// BAILIFF_SOCKET, which only `environment` can set.
    static func run(_ arguments: [String], input: String? = nil, environment: [String: String] = [:]) throws -> (status: Int32, output: String, error: String) {
        let binary: URL = try #require(executable, "the bailiff executable is built beside the tests")
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        var variables = ProcessInfo.processInfo.environment
        variables["BAILIFF_SOCKET"] = nil
        variables.merge(environment) { _, given in given }
        process.environment = variables
        let output = Pipe(), error = Pipe(), stdin = Pipe()
        process.standardOutput = output
        process.standardError = error
        process.standardInput = stdin
        try process.run()
        if let input { stdin.fileHandleForWriting.write(Data(input.utf8)) }
        try stdin.fileHandleForWriting.close()
        let out = output.fileHandleForReading.readDataToEndOfFile()
        let err = error.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: out, as: UTF8.self), String(decoding: err, as: UTF8.self))
    }
}

@Suite struct CLITests {
    let config = CLI.repository.appendingPathComponent("config").path

    @Test func testFilterOnALiteralLineWithTheShippedFilter() throws {
        let result = try CLI.run([
            "test-filter", "--config", config, "--json",
            "Nov 21 08:02:03 gate sshd[4230]: Failed password for root from 198.51.100.23 port 40222 ssh2", "sshd",
        ])
        #expect(result.status == 0)
        let summary = try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any]
        #expect(summary?["lines"] as? Int == 1)
        #expect(summary?["matched"] as? Int == 1)
        #expect(summary?["failures"] as? Int == 1)
    }

    @Test func testFilterReadsStandardInputWithALiteralRegex() throws {
        let log = "x fail from 192.0.2.1\nx ok from 192.0.2.2\nx fail from 192.0.2.3\n"
        let result = try CLI.run(["test-filter", "-", "fail from <HOST>"], input: log)
        #expect(result.status == 0)
        #expect(result.output.contains("Lines: 3 lines, 0 ignored, 2 matched, 1 missed"))
    }

    @Test func configCheckPassesOnTheShippedTree() throws {
        let result = try CLI.run(["config", "check", "--config", config])
        #expect(result.status == 0, "\(result.error)")
        #expect(result.output.contains("0 errors"))
    }

    @Test func configCheckNamesFileAndLineOfAnError() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("bailiff-cli-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("filter.d"), withIntermediateDirectories: true)
        try "[j]\nenabled = true\nfilter = f\nmaxretry = many\n".write(to: directory.appendingPathComponent("jail.conf"), atomically: true, encoding: .utf8)
        try "[Definition]\nfailregex = ^x <HOST>$\n".write(to: directory.appendingPathComponent("filter.d/f.conf"), atomically: true, encoding: .utf8)
        let result = try CLI.run(["config", "check", "--config", directory.path])
        #expect(result.status != 0)
        #expect(result.error.contains("jail.conf:4"))
        #expect(result.error.contains("expected a whole number"))
    }

    /// Ban settings and action templates are checked as the daemon builds them.
    @Test func configCheckReportsBanSettingsTheDaemonWouldRefuse() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("bailiff-cli-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        try FileManager.default.copyItem(at: URL(fileURLWithPath: config), to: directory)
        try "[sshd]\nbantime.increment = true\nbantime.formula = ban.Time * 2\nbanprefix.ipv6 = 200\n"
            .write(to: directory.appendingPathComponent("jail.local"), atomically: true, encoding: .utf8)
        let result = try CLI.run(["config", "check", "--config", directory.path])
        #expect(result.status != 0)
        #expect(result.error.contains("jail [sshd]: banprefix.ipv6: expected a prefix length from 1 to 128, found 200"), "\(result.error)")
        #expect(result.error.contains("warning: "), "\(result.error)")
        #expect(result.error.contains("bantime.formula is not supported"), "\(result.error)")
    }

    @Test func badFilterIsAClearErrorNotACrash() throws {
        let result = try CLI.run(["test-filter", "some line", "broken ( <HOST>"])
        #expect(result.status == 2)
        #expect(result.error.contains("invalid regex"))
    }
}
