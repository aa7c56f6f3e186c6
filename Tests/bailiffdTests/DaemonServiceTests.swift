import BailiffControl
import BailiffTestSupport
import Foundation
import Testing

/// bailiffd as a systemd service: the notify protocol and the control socket, with the
/// daemon banning in a real nftables ruleset inside its network namespace.
@Suite(.serialized, .enabled(if: getuid() == 0, "needs root for network namespaces"))
struct DaemonServiceTests {
    static let jailLocal = DaemonFirewallTests.jailLocal

    /// Every notification until `condition` holds for the list so far, or `seconds` pass.
    static func collect(_ listener: NotifySocketListener, seconds: Double, until condition: ([String]) -> Bool) -> [String] {
        var messages: [String] = []
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline, !condition(messages) {
            if let message = listener.receive() { messages.append(message) }
        }
        return messages
    }

    @Test func notifiesReadyStatusWatchdogReloadAndStop() throws {
        let harness = try DaemonHarness(jailLocal: Self.jailLocal)
        let listener = NotifySocketListener(path: harness.directory.appendingPathComponent("notify").path)
        try harness.start(environment: ["NOTIFY_SOCKET": listener.notifySocket, "WATCHDOG_USEC": "1000000"])

        var messages = Self.collect(listener, seconds: 20) { $0.contains { $0.split(separator: "\n").contains("READY=1") } }
        let ready = try #require(messages.first { $0.split(separator: "\n").contains("READY=1") }, "messages: \(messages), log: \(harness.log)")
        #expect(ready.contains("STATUS=1 jails,"), "READY comes with a status line: \(ready)")

        // Pings at half of WATCHDOG_USEC: about 4 in two seconds.
        let start = Date()
        messages = Self.collect(listener, seconds: 2.2) { _ in Date().timeIntervalSince(start) >= 2 }
        let pings = messages.filter { $0 == "WATCHDOG=1" }.count
        #expect((3...6).contains(pings), "watchdog pings in 2 s: \(pings) (\(messages))")

        // A stalled process sends no pings; they come back when it runs again.
        let pid = try #require(harness.processID)
        kill(pid, SIGSTOP)
        while listener.receive() != nil {}  // what was sent before the stop
        let stalled = Self.collect(listener, seconds: 1.5) { _ in false }
        kill(pid, SIGCONT)
        #expect(!stalled.contains("WATCHDOG=1"), "no ping while stopped: \(stalled)")
        messages = Self.collect(listener, seconds: 3) { $0.contains("WATCHDOG=1") }
        #expect(messages.contains("WATCHDOG=1"))

        // SIGHUP: RELOADING=1 with MONOTONIC_USEC, then READY=1.
        harness.signal(SIGHUP)
        messages = Self.collect(listener, seconds: 10) { list in
            list.contains { $0.hasPrefix("RELOADING=1") } && list.contains { $0.hasPrefix("READY=1") }
        }
        let reloading = try #require(messages.firstIndex { $0.hasPrefix("RELOADING=1") }, "messages: \(messages)")
        #expect(messages[reloading].contains("\nMONOTONIC_USEC="))
        let readyAgain = try #require(messages.firstIndex { $0.hasPrefix("READY=1") }, "messages: \(messages)")
        #expect(reloading < readyAgain)

        harness.signal(SIGTERM)
        messages = Self.collect(listener, seconds: 10) { $0.contains("STOPPING=1") }
        #expect(messages.contains("STOPPING=1"))
        #expect(harness.waitForExit(seconds: 10) == 0)
    }

    @Test func controlSocketAnswersStatusBansAndManualChanges() throws {
        let harness = try DaemonHarness(jailLocal: Self.jailLocal)
        try harness.start()
        #expect(harness.wait(seconds: 20) { FileManager.default.fileExists(atPath: harness.controlSocket) })
        #expect(harness.wait(seconds: 20) { !harness.nftablesBans().isEmpty }, "log: \(harness.log)")
        let client = try harness.client()
        _ = try client.call(BailiffInterface.Ping.self)

        // Let the reading finish, then compare with the store and the kernel.
        usleep(1_500_000)
        let status = try client.call(BailiffInterface.GetStatus.self, .init()).status
        let sshd = try #require(status.jails.first { $0.name == "sshd" })
        let stored = try harness.storedBans()
        #expect(sshd.activeBans == stored.count)
        #expect(sshd.totalBans == stored.count)
        #expect(sshd.failuresCounted > 0)
        #expect(sshd.maxRetry == 5)
        #expect(status.journal.entriesRead > 1000, "about 2/3 of the 2000 generated entries are sshd's")
        #expect(status.journal.cursor != nil)

        let listed = try client.call(BailiffInterface.ListBans.self, .init(jail: "sshd")).bans
        #expect(Set(listed.map(\.address)) == stored)
        #expect(listed.allSatisfy { ($0.secondsLeft ?? 0) > 3000 && $0.banCount == 1 })

        // By hand: a ban reaches the kernel; its unban leaves it.
        let banned = try client.call(BailiffInterface.Ban.self, .init(jail: "sshd", addresses: ["198.51.100.77", "2001:db8::77"])).banned
        #expect(Set(banned) == ["198.51.100.77", "2001:db8::77"])
        #expect(harness.wait(seconds: 10) { harness.nftablesBans().isSuperset(of: ["198.51.100.77", "2001:db8::77"]) })
        let again = try client.call(BailiffInterface.Ban.self, .init(jail: "sshd", addresses: ["198.51.100.77"])).banned
        #expect(again.isEmpty, "already banned")
        let unbanned = try client.call(BailiffInterface.Unban.self, .init(addresses: ["198.51.100.77"])).unbanned
        #expect(unbanned == ["198.51.100.77"])
        #expect(harness.wait(seconds: 10) { !harness.nftablesBans().contains("198.51.100.77") })
        #expect(harness.nftablesBans().contains("2001:db8::77"))

        // Errors carry their parameters.
        #expect(throws: VarlinkClientError.self) { try client.call(BailiffInterface.GetStatus.self, .init(jail: "nope")) }
        do {
            _ = try client.call(BailiffInterface.Ban.self, .init(jail: "sshd", addresses: ["not-an-address"]))
            Issue.record("a bad address is refused")
        } catch {
            guard case .remote(let remote) = error else { throw error }
            #expect(BailiffInterface.CallError(remote) == .invalidAddress(address: "not-an-address"))
        }

        // Everything at once.
        let all = try client.call(BailiffInterface.Unban.self, .init(jail: "sshd", all: true)).unbanned
        #expect(all.count == stored.count + 1)
        #expect(harness.wait(seconds: 10) { harness.nftablesBans().isEmpty })
        #expect(try harness.storedBans().isEmpty)
        harness.stop()
    }

    @Test func reloadAppliesAGoodConfigurationAndRejectsABrokenOneWhole() throws {
        let harness = try DaemonHarness(jailLocal: Self.jailLocal)
        try harness.start()
        #expect(harness.wait(seconds: 20) { !harness.nftablesBans().isEmpty }, "log: \(harness.log)")
        usleep(1_500_000)
        let stored = try harness.storedBans()
        let client = try harness.client()

        // A changed maxretry applies in place; bans and counters stay.
        try (Self.jailLocal + "\nmaxretry = 7\n").write(to: harness.config.appendingPathComponent("jail.local"), atomically: true, encoding: .utf8)
        let before = try #require(try client.call(BailiffInterface.GetStatus.self, .init(jail: "sshd")).status.jails.first)
        let jails = try client.call(BailiffInterface.Reload.self).jails
        #expect(jails == ["sshd"])
        let after = try #require(try client.call(BailiffInterface.GetStatus.self, .init(jail: "sshd")).status.jails.first)
        #expect(after.maxRetry == 7)
        #expect(after.failuresCounted == before.failuresCounted)
        #expect(after.activeBans == stored.count)
        #expect(harness.nftablesBans() == stored, "the firewall is untouched by a reload that keeps the actions")

        // A new jail starts; a broken file is refused and the running configuration stays.
        try (Self.jailLocal + "\nmaxretry = 7\n[sshd-extra]\nenabled = true\nfilter = sshd\nbantime = 2h\n")
            .write(to: harness.config.appendingPathComponent("jail.local"), atomically: true, encoding: .utf8)
        #expect(try client.call(BailiffInterface.Reload.self).jails.sorted() == ["sshd", "sshd-extra"])
        try FileManager.default.createDirectory(at: harness.config.appendingPathComponent("jail.d"), withIntermediateDirectories: true)
        try "[sshd]\nmaxretry = seven\n".write(to: harness.config.appendingPathComponent("jail.d/broken.local"), atomically: true, encoding: .utf8)
        do {
            _ = try client.call(BailiffInterface.Reload.self)
            Issue.record("a broken configuration is refused")
        } catch {
            guard case .remote(let remote) = error, case .reloadFailed(let reason) = BailiffInterface.CallError(remote) else { throw error }
            #expect(reason.contains("broken.local"), "the reason names the file: \(reason)")
            #expect(reason.contains("maxretry"), "and the option: \(reason)")
        }
        let still = try client.call(BailiffInterface.GetStatus.self, .init()).status
        #expect(still.jails.map(\.name).sorted() == ["sshd", "sshd-extra"])
        #expect(still.jails.first { $0.name == "sshd" }?.maxRetry == 7)
        #expect(harness.log.contains("reload failed"))

        // Removing the extra jail stops its action; sshd's bans stay in the kernel.
        try FileManager.default.removeItem(at: harness.config.appendingPathComponent("jail.d/broken.local"))
        try Self.jailLocal.write(to: harness.config.appendingPathComponent("jail.local"), atomically: true, encoding: .utf8)
        #expect(try client.call(BailiffInterface.Reload.self).jails == ["sshd"])
        #expect(harness.wait(seconds: 10) { !((try? harness.inNamespace("nft list table inet bailiff")) ?? "").contains("sshd-extra") })
        #expect(harness.nftablesBans() == stored)
        harness.stop()
    }
}
