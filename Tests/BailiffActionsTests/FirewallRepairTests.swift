import BailiffActions
import Testing

/// Someone flushes the firewall under a running action: actioncheck notices, and a
/// repair (actionstart, idempotent) brings the action back.
@Suite(.enabled(if: firewallTestsEnabled, firewallTestsSkipReason))
struct FirewallRepairTests {
    @Test func nftablesBanRepairsAFlushedRuleset() async throws {
        try await NetworkLab.with { lab in
            try await ActionFixture.with { fixture in
                let runner = ActionRunner(template: try fixture.template("nftables[port=\(NetworkLab.port)]"), launcher: lab.launcher)
                try await runner.start()
                try await shell("nft flush ruleset", in: lab.server)
                await #expect(throws: ActionError.self) { try await runner.check() }
                // The ban fails (no table), the check fails, actionstart rebuilds, the ban is retried.
                try await runner.ban(try BanTicket(parsing: NetworkLab.attackerV6))
                try await runner.check()
                #expect(!(await lab.canConnect(from: NetworkLab.attackerV6)))
                try await runner.stop()
            }
        }
    }

    @Test func iptablesRepairRestoresTheJumpsAndBansAreRestoredFromTheList() async throws {
        try await NetworkLab.with { lab in
            try await ActionFixture.with { fixture in
                let runner = ActionRunner(template: try fixture.template("iptables[port=\(NetworkLab.port)]"), launcher: lab.launcher)
                try await runner.start()
                let ticket = try BanTicket(parsing: NetworkLab.attackerV4)
                try await runner.ban(ticket)
                try await shell("iptables -w -F && ip6tables -w -F", in: lab.server)
                #expect(await lab.canConnect(from: NetworkLab.attackerV4))
                let error = try await #require(throws: ActionError.self) { try await runner.check() }
                #expect(error.command == .check)
                try await runner.repair()
                try await runner.check()
                // The flush took the ban with it; the list shows what to ban again.
                let listed = try #require(try await runner.bannedTargets())
                #expect(!listed.contains(ticket.target))
                try await runner.ban(ticket)
                #expect(!(await lab.canConnect(from: NetworkLab.attackerV4)))
                try await runner.stop()
            }
        }
    }

    @Test func ipsetRepairRestoresTheRuleAndTheSetKeepsItsBans() async throws {
        try await NetworkLab.with { lab in
            try await ActionFixture.with { fixture in
                let runner = ActionRunner(template: try fixture.template("iptables-ipset[port=\(NetworkLab.port)]"), launcher: lab.launcher)
                try await runner.start()
                try await runner.ban(try BanTicket(parsing: NetworkLab.attackerV6))
                try await shell("iptables -w -F && ip6tables -w -F", in: lab.server)
                #expect(await lab.canConnect(from: NetworkLab.attackerV6))
                await #expect(throws: ActionError.self) { try await runner.check() }
                try await runner.repair()
                #expect(!(await lab.canConnect(from: NetworkLab.attackerV6)))
                try await runner.stop()
            }
        }
    }
}
