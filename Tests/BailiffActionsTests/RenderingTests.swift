import BailiffActions
import BailiffConfig
import BailiffNetwork
import Foundation
import Testing

@Suite struct RenderingTests {
    static let renderAction = """
        [Definition]
        actionstart = <cmd> -N <chainname>
        actionban = <cmd> -I <chainname> -s <ip> -j <blocktype>
                    echo family=<family> rev=<ip-rev> bantime=<bantime> kt=<kernel-timeout> failures=<failures> time=<time> count=<bancount>
                    echo unknown=<nosuch><br>next<sp>word
        actionunban = echo "<F-USER>" <matches> '<fid>' "<F-USER>"

        [Init]
        cmd = iptables -w
        chainname = f2b-<name>
        blocktype = REJECT --reject-with <rejectwith>
        rejectwith = icmp-port-unreachable

        [Init?family=inet6]
        cmd = ip6tables -w
        rejectwith = icmp6-port-unreachable
        """

    @Test func familyVariantsAndPerBanTags() async throws {
        try await ActionFixture.with(files: ["action.d/render.conf": RenderingTests.renderAction]) { fixture in
            let template = try fixture.template("render")
            let four = try BanTicket(parsing: "192.0.2.7", bantime: 600, failures: 5, time: 1_700_000_000.9, banCount: 2)
            #expect(template.render(.start, family: .inet4)?.script == "iptables -w -N f2b-test")
            #expect(template.render(.start, family: .inet6)?.script == "ip6tables -w -N f2b-test")
            #expect(template.render(.ban, family: .inet4, ticket: four)?.script == """
                iptables -w -I f2b-test -s 192.0.2.7 -j REJECT --reject-with icmp-port-unreachable
                echo family=inet4 rev=7.2.0.192. bantime=600 kt=600 failures=5 time=1700000000 count=2
                echo unknown=<nosuch>
                next word
                """)
            let six = try BanTicket(parsing: "2001:db8::/64", bantime: nil)
            let lines = try #require(template.render(.ban, family: .inet6, ticket: six)?.script).split(separator: "\n")
            #expect(lines[0] == "ip6tables -w -I f2b-test -s 2001:db8::/64 -j REJECT --reject-with icmp6-port-unreachable")
            #expect(lines[1].hasPrefix("echo family=inet6 rev=0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2. bantime=-1 kt=0 "))
        }
    }

    @Test func kernelTimeoutIsZeroForBansTheKernelCannotTime() throws {
        func kernelTimeout(_ bantime: Int?) throws -> String {
            let template = """
                [Definition]
                actionban = <kernel-timeout>
                """
            return try ActionFixture.withSync(files: ["action.d/k.conf": template]) { fixture in
                try fixture.template("k").render(.ban, family: .inet4, ticket: try BanTicket(parsing: "192.0.2.1", bantime: bantime))?.script ?? ""
            }
        }
        #expect(try kernelTimeout(2) == "2")
        #expect(try kernelTimeout(0) == "1")
        #expect(try kernelTimeout(2_147_483) == "2147483")
        #expect(try kernelTimeout(2_147_484) == "0")
        #expect(try kernelTimeout(nil) == "0")
    }

    @Test func mappedAddressesAreBannedAsIPv4() throws {
        let ticket = try BanTicket(parsing: "::ffff:192.0.2.9")
        #expect(ticket.family == .inet4)
        #expect(ticket.target.description == "192.0.2.9")
        #expect(throws: AddressParseError.self) { try BanTicket(parsing: "192.0.2.1; reboot") }
    }

    @Test func logTextBecomesQuotedVariableReferences() async throws {
        try await ActionFixture.with(files: ["action.d/render.conf": RenderingTests.renderAction]) { fixture in
            let template = try fixture.template("render")
            let ticket = try BanTicket(parsing: "192.0.2.7", matches: ["one", "two"], captures: ["user": "root"])
            let rendered = try #require(template.render(.unban, family: .inet4, ticket: ticket))
            #expect(rendered.script == #"echo "${BAILIFF_F_USER}" "${BAILIFF_MATCHES}" ''"${BAILIFF_FID}"'' "${BAILIFF_F_USER}""#)
            #expect(rendered.environment == ["BAILIFF_F_USER": "root", "BAILIFF_MATCHES": "one\ntwo", "BAILIFF_FID": "192.0.2.7"])
        }
    }

    @Test func timeoutOption() async throws {
        let files = [
            "action.d/slow.conf": "[Definition]\nactionban = true\n[Init]\ntimeout = 2m\n",
            "action.d/bad.conf": "[Definition]\nactionban = true\n[Init]\ntimeout = soon\n",
        ]
        try await ActionFixture.with(files: files) { fixture in
            #expect(try fixture.template("slow").timeout == .seconds(120))
            #expect(try fixture.template("dummy").timeout == .seconds(60))
            let error = try #require(throws: ConfigError.self) { try fixture.template("bad") }
            #expect(error.message.contains("timeout"))
        }
    }

    @Test func batchLinesRejectLogTextAndUnknownTags() async throws {
        let files = [
            "action.d/user.conf": "[Definition]\nactionban_batch = cat\nactionban_batch_item = <ip> <F-USER>\n",
            "action.d/matches.conf": "[Definition]\nactionunban_batch = cat\nactionunban_batch_item = <ip> <matches>\n",
            "action.d/unknown.conf": "[Definition]\nactionban_batch = cat\nactionban_batch_item = <ip> <nosuch>\n",
            "action.d/lonely.conf": "[Definition]\nactionban_batch = cat\n",
            "action.d/orphan.conf": "[Definition]\nactionunban_batch_item = del <ip>\n",
            "action.d/fine.conf": "[Definition]\nactionban_batch = cat\nactionban_batch_item = add <set> <ip> timeout <kernel-timeout>\n[Init]\nset = s-<name>\n",
        ]
        try await ActionFixture.with(files: files) { fixture in
            let user = try #require(throws: ConfigError.self) { try fixture.template("user") }
            #expect(user.message.contains("actionban_batch_item uses <F-USER>, which is text from the log"))
            #expect(user.location?.file.hasSuffix("user.conf") == true)
            let matches = try #require(throws: ConfigError.self) { try fixture.template("matches") }
            #expect(matches.message.contains("<matches>"))
            let unknown = try #require(throws: ConfigError.self) { try fixture.template("unknown") }
            #expect(unknown.message.contains("<nosuch>, which is not an option of the action"))
            let lonely = try #require(throws: ConfigError.self) { try fixture.template("lonely") }
            #expect(lonely.message.contains("actionban_batch needs actionban_batch_item"))
            let orphan = try #require(throws: ConfigError.self) { try fixture.template("orphan") }
            #expect(orphan.message.contains("actionunban_batch_item needs actionunban_batch"))
            let fine = try fixture.template("fine")
            let ticket = try BanTicket(parsing: "198.51.100.0/24", bantime: 60)
            #expect(fine.render(.banBatchItem, family: .inet4, ticket: ticket)?.script == "add s-test 198.51.100.0/24 timeout 60")
        }
    }

    @Test func extensionCommandsComeFromDefinitionInitOrParameters() async throws {
        let files = [
            "action.d/ext.conf": """
                [Definition]
                actionban = true
                actionlist = printf '%%s\\n' <listed>

                [Init]
                listed = 192.0.2.1
                actionunban_batch = cat
                actionunban_batch_item = <ip>
                """
        ]
        try await ActionFixture.with(files: files) { fixture in
            let template = try fixture.template("ext[listed=198.51.100.1]")
            #expect(template.render(.list, family: .inet4)?.script == "printf '%s\\n' 198.51.100.1")
            #expect(template.defines(.unbanBatch))
            #expect(!template.defines(.banBatch))
            let parameter = try fixture.template(#"ext[actionban_batch="cat", actionban_batch_item="<ip>"]"#)
            #expect(parameter.defines(.banBatch))
        }
    }

    /// Every shipped action loads, and each of its commands renders with no tag left over.
    @Test(arguments: [
        "iptables[type=oneport, port=8022]", "iptables[type=multiport, port=\"ssh,8000:8100\", protocol=\"tcp,udp\"]",
        "iptables[type=allports]", "iptables-ipset", "iptables-ipset[type=allports]", "nftables", "nftables[type=allports]",
        "dummy", "%(action_)s",
    ])
    func shippedActionsRenderCompletely(action: String) async throws {
        try await ActionFixture.with { fixture in
            let options = "banaction = iptables-ipset\nport = ssh\nprotocol = tcp\nchain = input\naction_ = %(banaction)s[port=\"%(port)s\", protocol=\"%(protocol)s\", chain=\"%(chain)s\"]"
            let template = try fixture.template(action, jailOptions: options)
            for family in AddressFamily.allCases {
                let ticket = try BanTicket(parsing: family == .inet4 ? "192.0.2.1" : "2001:db8::1", captures: ["user": "u"])
                for command in ActionCommand.allCases {
                    guard let script = template.render(command, family: family, ticket: ticket)?.script else { continue }
                    let leftover = script.firstMatch(of: /<[A-Za-z0-9_?=\/-]+>/)
                    #expect(leftover == nil, "\(action) \(command) \(family): \(script)")
                }
            }
        }
    }

    @Test func shippedActionsResolveFamiliesAndChains() async throws {
        try await ActionFixture.with { fixture in
            let iptables = try fixture.template("iptables[chain=input, port=22]")
            let six = try BanTicket(parsing: "2001:db8::1")
            #expect(iptables.render(.ban, family: .inet6, ticket: six)?.script.contains(
                "ip6tables -w -I bailiff-test 1 -s 2001:db8::1 -j REJECT --reject-with icmp6-port-unreachable") == true)
            let ipset = try fixture.template("iptables-ipset")
            #expect(ipset.render(.banBatchItem, family: .inet6, ticket: try BanTicket(parsing: "2001:db8::/64", bantime: 30))?.script
                == "add bailiff6-test 2001:db8::/64 timeout 30")
            let nft = try fixture.template("nftables")
            #expect(nft.render(.banBatchItem, family: .inet4, ticket: try BanTicket(parsing: "192.0.2.0/24", bantime: nil))?.script
                == "add element inet bailiff jail-test-v4-net { 192.0.2.0/24 timeout 0s }")
            #expect(nft.render(.banBatchItem, family: .inet6, ticket: try BanTicket(parsing: "2001:db8::7", bantime: 90))?.script
                == "add element inet bailiff jail-test-v6-addr { 2001:db8::7 timeout 90s }")
        }
    }

    /// fail2ban's own action files render as fail2ban renders them (when its files are at hand).
    @Test(.enabled(if: FileManager.default.fileExists(atPath: RenderingTests.fail2banActions), "no fail2ban action.d beside the repository"))
    func fail2banActionFiles() async throws {
        var files: [String: String] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: RenderingTests.fail2banActions) where name.hasPrefix("iptables") {
            files["action.d/" + name] = try String(contentsOfFile: RenderingTests.fail2banActions + "/" + name, encoding: .utf8)
        }
        try await ActionFixture.with(files: files) { fixture in
            let template = try fixture.template("iptables-multiport[port=ssh]")
            let six = try BanTicket(parsing: "2001:db8::1")
            #expect(template.render(.ban, family: .inet6, ticket: six)?.script
                == "ip6tables -w -I f2b-test 1 -s 2001:db8::1 -j REJECT --reject-with icmp6-port-unreachable")
            let four = try BanTicket(parsing: "192.0.2.1")
            #expect(template.render(.unban, family: .inet4, ticket: four)?.script
                == "iptables -w -D f2b-test -s 192.0.2.1 -j REJECT --reject-with icmp-port-unreachable")
        }
    }

    static let fail2banActions = ActionFixture.repository.deletingLastPathComponent().appendingPathComponent("shared/fail2ban-corpus/action.d").path
}
