import BailiffActions
import BailiffNetwork
import Foundation
import Testing

/// Batches and kernel timeouts of the set-based actions, on a real kernel firewall.
@Suite(.enabled(if: firewallTestsEnabled, firewallTestsSkipReason))
struct FirewallBatchTests {
    static func addresses(_ count: Int) -> [BanTicket] {
        (0..<count).map { index in
            BanTicket(target: IPNetwork(IPAddress(ipv4: 0x0A64_0000 + UInt32(index / 250) << 8 + UInt32(index % 250 + 1))), bantime: 3600)
        }
    }

    @Test(arguments: ["iptables-ipset", "nftables"])
    func tenThousandBansInOneCommand(action: String) async throws {
        try await NetworkLab.with { lab in
            try await ActionFixture.with { fixture in
                let runner = ActionRunner(template: try fixture.template("\(action)[port=\(NetworkLab.port)]"), launcher: lab.launcher)
                try await runner.start()
                let tickets = FirewallBatchTests.addresses(10_000) + [try BanTicket(parsing: NetworkLab.attackerV4)]
                let clock = ContinuousClock()
                let started = clock.now
                let outcome = await runner.ban(tickets)
                let banTime = clock.now - started
                #expect(outcome.succeeded, "\(outcome.failures.first.map { "\($0.error)" } ?? "")")
                #expect(outcome.commandsRun == 1)
                #expect(!(await lab.canConnect(from: NetworkLab.attackerV4)))

                let kernelCount = try await shell(
                    action == "nftables"
                        ? "nft list set inet bailiff jail-test-v4-addr | grep -o expires | wc -l"
                        : "ipset list -t bailiff4-test | awk '/^Number of entries/ { print $4 }'",
                    in: lab.server)
                #expect(Int(kernelCount.trimmingCharacters(in: .whitespacesAndNewlines)) == tickets.count)
                let listed = try await runner.bannedTargets()
                #expect(listed == Set(tickets.map(\.target)))

                let unbanStarted = clock.now
                let unbanned = await runner.unban(tickets)
                let unbanTime = clock.now - unbanStarted
                #expect(unbanned.succeeded && unbanned.commandsRun == 1)
                #expect(try await runner.bannedTargets() == [])
                #expect(await lab.canConnect(from: NetworkLab.attackerV4))
                print("\(action): \(tickets.count) bans in one command took \(banTime), the unbans \(unbanTime)")
                try await runner.stop()
            }
        }
    }

    @Test(arguments: ["iptables-ipset", "nftables"])
    func kernelTimeoutsEndShortBans(action: String) async throws {
        try await NetworkLab.with { lab in
            try await ActionFixture.with { fixture in
                let runner = ActionRunner(template: try fixture.template("\(action)[port=\(NetworkLab.port)]"), launcher: lab.launcher)
                try await runner.start()
                let clock = ContinuousClock()
                let banned = clock.now
                let outcome = await runner.ban([
                    try BanTicket(parsing: NetworkLab.attackerV4, bantime: 2), try BanTicket(parsing: NetworkLab.attackerV6, bantime: 2),
                ])
                #expect(outcome.succeeded && outcome.commandsRun == 2)
                #expect(!(await lab.canConnect(from: NetworkLab.attackerV4)))
                #expect(!(await lab.canConnect(from: NetworkLab.attackerV6)))
                try await Task.sleep(until: banned + .milliseconds(2600), clock: .continuous)
                #expect(await lab.canConnect(from: NetworkLab.attackerV4), "the IPv4 ban outlived its timeout")
                #expect(await lab.canConnect(from: NetworkLab.attackerV6), "the IPv6 ban outlived its timeout")
                #expect(try await runner.bannedTargets() == [])
                try await runner.stop()
            }
        }
    }

    /// A measurement rather than a test: set BAILIFF_MEASURE_IPTABLES=1 to run it.
    @Test(.enabled(if: ProcessInfo.processInfo.environment["BAILIFF_MEASURE_IPTABLES"] == "1", "set BAILIFF_MEASURE_IPTABLES=1 to measure"))
    func thousandBansThroughIptables() async throws {
        try await NetworkLab.with { lab in
            try await ActionFixture.with { fixture in
                let runner = ActionRunner(template: try fixture.template("iptables[port=\(NetworkLab.port)]"), launcher: lab.launcher)
                try await runner.start()
                let tickets = FirewallBatchTests.addresses(1_000)
                let clock = ContinuousClock()
                let started = clock.now
                let outcome = await runner.ban(tickets)
                let elapsed = clock.now - started
                #expect(outcome.succeeded && outcome.commandsRun == 1_000)
                #expect(try await runner.bannedTargets()?.count == 1_000)
                print("iptables: 1000 bans, one process each, took \(elapsed)")
                try await runner.stop()
            }
        }
    }
}
