import BailiffActions
import Foundation
import Testing

@Suite struct CommandRunnerTests {
    let runner = CommandRunner(timeout: .seconds(10))

    @Test func capturesStatusOutputAndError() async {
        let result = await runner.run("echo out; echo err >&2; exit 3")
        #expect(result.termination == .exited(3))
        #expect(result.outputText == "out\n")
        #expect(result.errorText == "err\n")
        #expect(!result.succeeded)
    }

    @Test func feedsStandardInputAndEnvironment() async {
        let input = Array((0..<200_000).map { "line \($0)\n" }.joined().utf8)
        let result = await runner.run("wc -l; printf '%s' \"$GREETING\"", input: input, environment: ["GREETING": "a b\nc"])
        #expect(result.succeeded)
        #expect(result.outputText == "200000\na b\nc")
    }

    @Test func commandThatIgnoresItsInputStillSucceeds() async {
        let result = await runner.run("true", input: Array(repeating: 65, count: 1 << 20))
        #expect(result.succeeded)
    }

    @Test func failureNamesCommandStatusAndStandardError() async throws {
        let result = await runner.run("echo 'no such chain: f2b' >&2; exit 2")
        let failure = try #require(result.failure)
        #expect(failure.termination == .exited(2))
        #expect(failure.standardError == "no such chain: f2b\n")
        #expect(failure.description.contains("exit status 2: no such chain: f2b"))
        #expect(failure.description.contains("command: echo 'no such chain: f2b' >&2; exit 2"))
    }

    @Test func timeoutKillsTheWholeProcessGroup() async throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let limited = CommandRunner(timeout: .seconds(1), terminationGrace: .milliseconds(500))
        // The child sleep is what must die: sh waits for it, and a second one runs in the background.
        let result = await limited.run("sleep 30 & echo $! > \(scratch.path)/background; sleep 30; echo never")
        #expect(result.termination == .timedOut(.seconds(1)))
        #expect(result.elapsed < .seconds(15))
        #expect(result.outputText.isEmpty)
        let pid = try #require(scratch.contents("background").flatMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) })
        try await Task.sleep(for: .milliseconds(100))
        // Gone, or a zombie nobody has reaped yet.
        let state = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8))?.split(separator: ")").last?.split(separator: " ").first
        #expect(state == nil || state == "Z", "the background sleep survived the timeout")
    }

    @Test func timeoutEscalatesToKillWhenTermIsIgnored() async {
        let limited = CommandRunner(timeout: .milliseconds(500), terminationGrace: .milliseconds(500))
        // An ignored signal stays ignored across exec, so sleep ignores SIGTERM too.
        let result = await limited.run("trap '' TERM; sleep 30")
        #expect(result.termination == .timedOut(.milliseconds(500)))
        #expect(result.elapsed < .seconds(15))
    }

    @Test func returnsWhenTheShellExitsEvenIfABackgroundChildKeepsItsOutputOpen() async {
        let result = await runner.run("sleep 30 & echo started")
        #expect(result.succeeded)
        #expect(result.outputText == "started\n")
        #expect(result.elapsed < .seconds(15))
    }

    @Test func waitsForAProcessThatClosedItsOutputEarly() async {
        let result = await runner.run("exec >&- 2>&-; sleep 0.3; exit 4")
        #expect(result.termination == .exited(4))
        #expect(result.elapsed >= .milliseconds(300))
    }

    @Test func boundsCapturedOutput() async {
        let limited = CommandRunner(outputLimit: 1000, errorLimit: 10)
        let result = await limited.run("head -c 100000 /dev/zero; head -c 100 /dev/zero >&2")
        #expect(result.succeeded)
        #expect(result.standardOutput.count == 1000)
        #expect(result.standardError.count == 10)
        #expect(result.outputTruncated)
    }

    @Test func missingLauncherIsReportedNotThrown() async {
        let result = await CommandRunner(launcher: ["bailiff-no-such-launcher"]).run("true")
        guard case .couldNotStart(let reason) = result.termination else {
            Issue.record("expected couldNotStart, got \(result.termination)")
            return
        }
        #expect(reason.contains("bailiff-no-such-launcher"))
    }

    @Test func leavesNoDescriptorsBehind() async throws {
        func openDescriptors() throws -> Int { try FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count }
        let before = try openDescriptors()
        for _ in 0..<100 {
            _ = await CommandRunner(launcher: ["bailiff-no-such-launcher"]).run("true", input: [1, 2, 3])
            _ = await runner.run("cat >/dev/null; echo done", input: [1, 2, 3])
        }
        // Other tests open descriptors meanwhile; a leak here would be 100 or 200.
        #expect(try openDescriptors() - before < 50)
    }

    @Test func launcherWrapsTheShell() async {
        let result = await CommandRunner(launcher: ["env", "WRAPPED=yes"]).run("printf %s \"$WRAPPED\"")
        #expect(result.outputText == "yes")
    }

    @Test func commandsRunConcurrentlyWithoutHoldingThreads() async {
        let clock = ContinuousClock()
        let started = clock.now
        await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<8 { group.addTask { await runner.run("sleep 3").succeeded } }
            for await succeeded in group { #expect(succeeded) }
        }
        // One after the other they would take 24 s.
        #expect(clock.now - started < .seconds(15))
    }
}
