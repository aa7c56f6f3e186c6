import BailiffActions
import BailiffNetwork
import Testing

/// Each shipped firewall action against a real kernel firewall, in a network namespace:
/// start creates its objects, a ban stops TCP connections from the banned address (and
/// a network ban from its neighbours), unban lets them through again, and stop leaves
/// the firewall exactly as it was, rules of others included.
@Suite(.enabled(if: firewallTestsEnabled, firewallTestsSkipReason))
struct FirewallActionTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let action: String
        let family: AddressFamily
        /// Text `actionstart` must add to the firewall.
        let creates: [String]

        var testDescription: String { "\(action) \(family)" }
    }

    static let cases: [Case] = AddressFamily.allCases.flatMap { family in
        [
            Case(action: "iptables[type=oneport, port=\(NetworkLab.port)]", family: family, creates: ["-j bailiff-test", ":bailiff-test"]),
            Case(action: "iptables[type=multiport, port=\"\(NetworkLab.port),9000:9100\"]", family: family, creates: ["--dports 8022,9000:9100 -j bailiff-test"]),
            Case(action: "iptables[type=allports, protocol=\"tcp,udp\"]", family: family, creates: ["-p udp -j bailiff-test", "-p tcp -j bailiff-test"]),
            Case(action: "iptables-ipset[port=\(NetworkLab.port)]", family: family, creates: ["bailiff4-test", "bailiff6-test", "--match-set bailiff4-test src"]),
            Case(action: "nftables[port=\"\(NetworkLab.port),9000:9100\"]", family: family, creates: ["table inet bailiff", "chain jail-test", "set jail-test-v6-addr", "set jail-test-v4-net"]),
        ]
    }

    @Test(arguments: cases)
    func banUnbanStop(_ testCase: Case) async throws {
        try await NetworkLab.with { lab in
            try await lab.addUnrelatedRules()
            let before = try await lab.firewallSnapshot()
            try await ActionFixture.with { fixture in
                let runner = ActionRunner(template: try fixture.template(testCase.action), launcher: lab.launcher)
                try await runner.start()
                let started = try await lab.firewallSnapshot()
                for text in testCase.creates { #expect(started.contains(text), "start did not add \(text)") }
                try await runner.start()
                #expect(try await lab.firewallSnapshot() == started, "a second start changed the firewall")

                let attacker = NetworkLab.attackerAddress(testCase.family)
                let neighbour = NetworkLab.neighbourAddress(testCase.family)
                #expect(await lab.canConnect(from: attacker), "blocked before any ban")
                let ticket = try BanTicket(parsing: attacker)
                try await runner.ban(ticket)
                try await runner.ban(ticket)
                #expect(!(await lab.canConnect(from: attacker)), "the ban did not block")
                #expect(await lab.canConnect(from: neighbour), "the ban blocked another address")
                #expect(try await runner.bannedTargets() == [ticket.target])
                try await runner.check()
                try await runner.unban(ticket)
                #expect(await lab.canConnect(from: attacker), "still blocked after the unban")
                try await runner.unban(ticket)

                let network = BanTicket(target: NetworkLab.attackerNetwork(testCase.family))
                try await runner.ban(network)
                #expect(!(await lab.canConnect(from: neighbour)), "the network ban did not block \(neighbour)")
                #expect(try await runner.bannedTargets() == [network.target])
                try await runner.unban(network)
                #expect(await lab.canConnect(from: neighbour), "still blocked after the network unban")

                // Stop must also clear what bans left behind.
                try await runner.ban(try BanTicket(parsing: testCase.family == .inet4 ? "192.0.2.1" : "2001:db8::1"))
                try await runner.stop()
                #expect(try await lab.firewallSnapshot() == before, "stop did not restore the firewall")
                try await runner.stop()
                #expect(try await lab.firewallSnapshot() == before, "a second stop changed the firewall")
            }
        }
    }
}
