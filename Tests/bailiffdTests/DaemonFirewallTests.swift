import BailiffControl
import Foundation
import Testing

/// bailiffd against a real kernel firewall (nftables) in a network namespace.
@Suite(.serialized, .enabled(if: getuid() == 0, "needs root for network namespaces"))
struct DaemonFirewallTests {
    static let jailLocal = """
        [DEFAULT]
        banaction = nftables
        bantime = 1h
        findtime = 1d
        [sshd]
        enabled = true
        ignoreself = false
        """

    /// The process dies after a ban is stored and before the firewall has it (its
    /// firewall command hangs, then kill -9). The next start puts the ban in the firewall.
    @Test func aBanStoredBeforeACrashReachesTheFirewallAtTheNextStart() throws {
        let harness = try DaemonHarness(jailLocal: Self.jailLocal)
        // First run: bans never reach the kernel.
        let hang = harness.config.appendingPathComponent("action.d/nftables.local")
        try "[Definition]\nactionban = sleep 10\nactionban_batch = sleep 10\n".write(to: hang, atomically: true, encoding: .utf8)
        try harness.start()
        #expect(harness.wait(seconds: 20) { harness.log.contains("] Ban ") })
        #expect(harness.wait(seconds: 5) { !((try? harness.storedBans()) ?? []).isEmpty })
        harness.stop(signal: SIGKILL)
        let stored = try harness.storedBans()
        #expect(!stored.isEmpty)
        #expect(harness.nftablesBans().isDisjoint(with: stored), "the hanging action banned nothing")

        try FileManager.default.removeItem(at: hang)
        try harness.start()
        #expect(harness.wait(seconds: 20) { stored.isSubset(of: harness.nftablesBans()) }, "log: \(harness.log)")
        #expect(harness.log.contains("restoring \(stored.count) bans"), "log: \(harness.log)")
        harness.stop()
        // A clean stop removes the firewall structures and keeps the bans in the store.
        #expect(try harness.inNamespace("nft list ruleset").isEmpty)
        #expect(try harness.storedBans() == stored)
    }

    /// Someone flushes the firewall under a running daemon: reconciliation puts the bans back.
    @Test func reconciliationRestoresAFlushedFirewall() throws {
        let harness = try DaemonHarness(jailLocal: Self.jailLocal)
        try harness.start(extraArguments: ["--reconcile-interval", "1"])
        #expect(harness.wait(seconds: 20) { !harness.nftablesBans().isEmpty })
        // Let the reading finish, so the store holds every ban.
        usleep(1_500_000)
        let stored = try harness.storedBans()
        #expect(harness.wait(seconds: 10) { harness.nftablesBans() == stored })
        _ = try harness.inNamespace("nft flush ruleset")
        #expect(harness.nftablesBans().isEmpty)
        #expect(harness.wait(seconds: 10) { harness.nftablesBans() == stored }, "log: \(harness.log)")
        harness.stop()
    }

    /// ignorecommand runs for each offender before its ban: exit 0 spares it, exit 1 bans it,
    /// and a command that fails bans it too (a broken check must not let attackers through).
    @Test func ignorecommandSparesTheAddressesItAcceptsAndBansTheRest() throws {
        let harness = try DaemonHarness(jailLocal: Self.jailLocal)
        let asked = harness.directory.appendingPathComponent("asked").path
        let allowed = harness.directory.appendingPathComponent("allowed").path
        // First run, without the command: which addresses get banned.
        try harness.start()
        #expect(harness.wait(seconds: 20) { !harness.nftablesBans().isEmpty })
        usleep(1_500_000)
        let offenders = try harness.storedBans().sorted()
        harness.stop()
        #expect(offenders.count >= 4, "offenders: \(offenders)")
        let spared = Set(offenders.prefix(2))
        let broken = offenders[2]
        try (spared.joined(separator: "\n") + "\n").write(toFile: allowed, atomically: true, encoding: .utf8)

        // Second run from scratch, with the command.
        try FileManager.default.removeItem(at: harness.state)
        let command = "echo <ip> >> \(asked); test <ip> != \(broken) || exit 2; grep -qxF <ip> \(allowed)"
        try (Self.jailLocal + "\nignorecommand = \(command)\n").write(
            to: harness.config.appendingPathComponent("jail.local"), atomically: true, encoding: .utf8)
        try harness.start()
        #expect(harness.wait(seconds: 20) { ((try? harness.storedBans()) ?? []).count == offenders.count - spared.count }, "log: \(harness.log)")
        usleep(1_000_000)
        let stored = try harness.storedBans()
        #expect(stored == Set(offenders).subtracting(spared))
        #expect(harness.wait(seconds: 10) { harness.nftablesBans() == stored })
        let askedFor = try String(contentsOfFile: asked, encoding: .utf8).split(separator: "\n").map(String.init)
        // Asked at every decision: a spared address that keeps failing is asked again.
        #expect(Set(askedFor) == Set(offenders), "asked about each offender and nobody else")
        #expect(harness.log.contains("\(spared.sorted()[0]) not banned: its ignorecommand says to ignore it"), "log: \(harness.log)")
        #expect(harness.log.contains("banning \(broken) anyway"), "log: \(harness.log)")
        harness.stop()
    }

    /// A short bantime ends on time, in the store and in the kernel; each repeated ban of
    /// the same address lasts twice as long as the one before (bantime.increment).
    @Test func bansExpireOnTimeAndRepeatedBansEscalate() throws {
        let harness = try DaemonHarness(jailLocal: """
            [DEFAULT]
            banaction = nftables
            [sshd]
            enabled = true
            ignoreself = false
            maxretry = 100000
            bantime = 2
            bantime.increment = true
            """)
        try harness.start()
        #expect(harness.wait(seconds: 20) { FileManager.default.fileExists(atPath: harness.controlSocket) })
        let client = try harness.client()
        var lengths: [Double] = []
        for round in 1...3 {
            let banned = try client.call(BailiffInterface.Ban.self, .init(jail: "sshd", addresses: ["198.51.100.9"])).banned
            #expect(banned == ["198.51.100.9"], "round \(round)")
            let ban = try #require(try client.call(BailiffInterface.ListBans.self, .init(jail: "sshd")).bans.first)
            let length = try #require(ban.expiresAt) - ban.bannedAt
            lengths.append(length)
            #expect(ban.banCount == round)
            #expect(harness.wait(seconds: 5) { harness.nftablesBans().contains("198.51.100.9") }, "round \(round)")
            // Lifted by the daemon's expiry timer within a second of its end, from the kernel too.
            let ends = Date().addingTimeInterval(length)
            #expect(harness.wait(seconds: length + 1.5) { ((try? harness.storedBans()) ?? ["?"]).isEmpty }, "round \(round): \(harness.log)")
            #expect(Date() >= ends.addingTimeInterval(-0.5), "not before its time")
            #expect(harness.wait(seconds: 3) { !harness.nftablesBans().contains("198.51.100.9") })
        }
        #expect(lengths == [2, 4, 8])
        harness.stop()
    }
}
