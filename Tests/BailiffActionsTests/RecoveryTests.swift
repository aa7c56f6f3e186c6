import BailiffActions
import BailiffNetwork
import Foundation
import Testing

/// The runner's lifecycle and recovery logic, on actions whose "firewall" is a few files.
@Suite struct RecoveryTests {
    static func action(_ directory: String, extra: String = "") -> String {
        """
        [Definition]
        actionstart = touch \(directory)/started
                      echo start >> \(directory)/log
        actionstop = rm -f \(directory)/started
                     echo stop-<family> >> \(directory)/log
        actioncheck = echo check >> \(directory)/log
                      test -f \(directory)/started
        actionban = echo ban <ip> >> \(directory)/log
                    test -f \(directory)/started && echo <ip> >> \(directory)/bans
        \(extra)
        """
    }

    func log(_ scratch: ScratchDirectory) -> [String] {
        (scratch.contents("log") ?? "").split(separator: "\n").map(String.init)
    }

    func runner(_ text: String, _ parameters: String = "") async throws -> (ActionRunner, ActionFixture) {
        let fixture = try ActionFixture(files: ["action.d/files.conf": text])
        return (ActionRunner(template: try fixture.template("files" + parameters)), fixture)
    }

    @Test func failedBanIsRepairedWithStartAndRetried() async throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let (runner, fixture) = try await runner(RecoveryTests.action(scratch.path))
        defer { fixture.remove() }
        try await runner.ban(try BanTicket(parsing: "192.0.2.1"))
        #expect(log(scratch) == ["ban 192.0.2.1", "check", "start", "check", "ban 192.0.2.1"])
        #expect(scratch.contents("bans") == "192.0.2.1\n")
    }

    @Test func actionRepairIsPreferredOverStart() async throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let repair = "actionrepair = touch \(scratch.path)/started\n              echo repair >> \(scratch.path)/log"
        let (runner, fixture) = try await runner(RecoveryTests.action(scratch.path, extra: repair))
        defer { fixture.remove() }
        try await runner.ban(try BanTicket(parsing: "2001:db8::1"))
        #expect(log(scratch) == ["ban 2001:db8::1", "check", "repair", "check", "ban 2001:db8::1"])
    }

    @Test func failureWithAHealthyFirewallIsReportedWithoutRetry() async throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let text = RecoveryTests.action(scratch.path).replacingOccurrences(
            of: "test -f \(scratch.path)/started && echo <ip> >> \(scratch.path)/bans", with: "echo 'no such set' >&2; exit 1")
        let (runner, fixture) = try await runner(text)
        defer { fixture.remove() }
        try await runner.start()
        let error = try await #require(throws: ActionError.self) { try await runner.ban(try BanTicket(parsing: "192.0.2.1")) }
        #expect(error.command == .ban)
        #expect(error.family == .inet4)
        #expect(error.failure.termination == .exited(1))
        #expect(error.failure.standardError == "no such set\n")
        #expect(error.recovery?.contains("actioncheck passed") == true)
        #expect(error.description.contains("action 'files' actionban (inet4) failed: exit status 1: no such set"))
        #expect(log(scratch) == ["start", "ban 192.0.2.1", "check"])
    }

    @Test func failedRepairIsReported() async throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let text = RecoveryTests.action(scratch.path).replacingOccurrences(
            of: "actionstart = touch \(scratch.path)/started", with: "actionstart = echo 'cannot create' >&2; exit 1")
        let (runner, fixture) = try await runner(text)
        defer { fixture.remove() }
        let error = try await #require(throws: ActionError.self) { try await runner.ban(try BanTicket(parsing: "192.0.2.1")) }
        #expect(error.recovery?.contains("actionstart failed too") == true)
        #expect(error.recovery?.contains("cannot create") == true)
        await #expect(throws: ActionError.self) { try await runner.repair() }
    }

    @Test func failingBatchFallsBackToOneCommandPerBan() async throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let batch = "actionban_batch = cat > /dev/null; exit 1\nactionban_batch_item = <ip>"
        let (runner, fixture) = try await runner(RecoveryTests.action(scratch.path, extra: batch))
        defer { fixture.remove() }
        try await runner.start()
        let tickets = try (1...3).map { try BanTicket(parsing: "192.0.2.\($0)") }
        let outcome = await runner.ban(tickets)
        #expect(outcome.succeeded)
        // The batch, the check it led to, then one ban each.
        #expect(outcome.commandsRun == 5)
        #expect(scratch.contents("bans") == "192.0.2.1\n192.0.2.2\n192.0.2.3\n")
    }

    @Test func batchesRunOncePerFamilyWithOneLinePerBan() async throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let batch = "actionban_batch = cat > \(scratch.path)/batch-<family>\nactionban_batch_item = add <ip> <bantime> <family>"
        let (runner, fixture) = try await runner(RecoveryTests.action(scratch.path, extra: batch))
        defer { fixture.remove() }
        let tickets = try ["192.0.2.1", "2001:db8::1", "198.51.100.0/24", "2001:db8:1::/48"].map { try BanTicket(parsing: $0, bantime: 60) }
        let outcome = await runner.ban(tickets)
        #expect(outcome.succeeded)
        #expect(outcome.commandsRun == 2)
        #expect(scratch.contents("batch-inet4") == "add 192.0.2.1 60 inet4\nadd 198.51.100.0/24 60 inet4\n")
        #expect(scratch.contents("batch-inet6") == "add 2001:db8::1 60 inet6\nadd 2001:db8:1::/48 60 inet6\n")
    }

    @Test func familyIndependentCommandsRunOnce() async throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let (runner, fixture) = try await runner(RecoveryTests.action(scratch.path))
        defer { fixture.remove() }
        try await runner.start()
        try await runner.stop()
        #expect(log(scratch) == ["start", "stop-inet4", "stop-inet6"])
    }

    @Test func stopTriesEveryFamilyBeforeThrowing() async throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let text = RecoveryTests.action(scratch.path).replacingOccurrences(
            of: "echo stop-<family> >> \(scratch.path)/log", with: "echo stop-<family> >> \(scratch.path)/log && test <family> = inet6")
        let (runner, fixture) = try await runner(text)
        defer { fixture.remove() }
        let error = try await #require(throws: ActionError.self) { try await runner.stop() }
        #expect(error.family == .inet4)
        #expect(log(scratch) == ["stop-inet4", "stop-inet6"])
    }

    @Test func emptyCommandsAreNoOps() async throws {
        let (runner, fixture) = try await runner("[Definition]\nactionstart =\nactionban =\n")
        defer { fixture.remove() }
        try await runner.start()
        try await runner.check()
        try await runner.ban(try BanTicket(parsing: "192.0.2.1"))
        let outcome = await runner.unban([try BanTicket(parsing: "192.0.2.1")])
        #expect(outcome.succeeded && outcome.commandsRun == 0)
        #expect(try await runner.bannedTargets() == nil)
    }

    @Test func bannedTargetsAreParsedToCanonicalForm() async throws {
        let list = #"actionlist = printf '%%s\n' '192.0.2.1 timeout 5' '' '# header' '10.0.0.1/32' '2001:DB8:0::/64' '::ffff:198.51.100.7'"#
        let (runner, fixture) = try await runner("[Definition]\n\(list)\n")
        defer { fixture.remove() }
        let targets = try await runner.bannedTargets()
        let expected = try Set(["192.0.2.1", "10.0.0.1", "2001:db8::/64", "198.51.100.7"].map { try IPNetwork(parsing: $0) })
        #expect(targets == expected)
    }

    @Test func unreadableListIsAnError() async throws {
        let (runner, fixture) = try await runner("[Definition]\nactionlist = echo 192.0.2.1; echo 'set bailiff4-test'\n")
        defer { fixture.remove() }
        let error = try await #require(throws: ActionError.self) { try await runner.bannedTargets() }
        #expect(error.command == .list)
        #expect(error.problem?.contains("printed 'set bailiff4-test'") == true)
    }

    @Test func dummyActionRecordsWhatItWouldDo() async throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        try await ActionFixture.with { fixture in
            let runner = ActionRunner(template: try fixture.template("dummy[target=\(scratch.path)/dummy.log]"))
            try await runner.start()
            try await runner.ban(try BanTicket(parsing: "192.0.2.1"))
            let outcome = await runner.ban(try ["192.0.2.2", "2001:db8::2"].map { try BanTicket(parsing: $0) })
            #expect(outcome.succeeded && outcome.commandsRun == 2)
            try await runner.unban(try BanTicket(parsing: "192.0.2.1"))
            try await runner.stop()
            #expect(scratch.contents("dummy.log") == "test start\ntest ban 192.0.2.1\ntest ban 192.0.2.2\ntest ban 2001:db8::2\ntest unban 192.0.2.1\ntest stop\n")
        }
    }
}
