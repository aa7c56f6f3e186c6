import BailiffControl
import BailiffTestSupport
import Foundation
import Testing

/// The control commands run as a user runs them: the built `bailiff` binary, talking over a
/// real unix socket to a Varlink server that answers as the daemon does.
@Suite struct ControlCommandTests {
    /// Output in a fixed time zone, so dates can be compared.
    static let utc = ["TZ": "UTC"]

    private func run(_ arguments: [String], on daemon: FakeDaemon, environment: [String: String] = utc) throws -> (status: Int32, output: String, error: String) {
        try CLI.run(arguments + ["--socket", daemon.socketPath], environment: environment)
    }

    private func decode<T: Decodable>(_ type: T.Type, from output: String) throws -> T {
        try JSONDecoder().decode(T.self, from: Data(output.utf8))
    }

    // MARK: status

    @Test func statusShowsTheDaemonAndATableOfEnabledJails() throws {
        try withFakeDaemon { daemon in
            let result = try run(["status"], on: daemon)
            #expect(result.status == 0, "\(result.error)")
            #expect(result.error.isEmpty)
            #expect(result.output == """
                bailiffd 0.1.0-test, up 1h 2m
                journal:  system, 1234567 entries read, 812.5 per second
                cursor:   s=abc;i=1f

                JAIL      FILTER                 FAILING  FAILURES  BANNED  TOTAL BANS  MAXRETRY  FINDTIME  BANTIME
                sshd      sshd[mode=aggressive]        3        42       1           7         5  10m       1h
                recidive  recidive                     0         0       1           1         3  1d        permanent

                disabled: postfix

                """)
            #expect(try daemon.onlyCall(of: BailiffInterface.GetStatus.self) == .init(jail: nil))
        }
    }

    @Test func statusOfOneJailShowsItInDetail() throws {
        try withFakeDaemon { daemon in
            let result = try run(["status", "sshd"], on: daemon)
            #expect(result.status == 0, "\(result.error)")
            #expect(result.output == """
                jail:              sshd
                enabled:           yes
                filter:            sshd[mode=aggressive]
                actions:           nftables[type=multiport], sendmail
                maxretry:          5 failures within 10m
                bantime:           1h
                failing now:       3
                banned now:        1
                failures counted:  42
                bans made:         7

                """)
            #expect(try daemon.onlyCall(of: BailiffInterface.GetStatus.self) == .init(jail: "sshd"))
        }
    }

    @Test func statusJSONIsTheReplyWithSortedKeys() throws {
        try withFakeDaemon { daemon in
            let result = try run(["status", "--json"], on: daemon)
            #expect(result.status == 0, "\(result.error)")
            #expect(try decode(BailiffInterface.GetStatus.Reply.self, from: result.output).status == Fixtures.status)
            let output = result.output
            let actions = try #require(output.range(of: "\"actions\""))
            let activeBans = try #require(output.range(of: "\"activeBans\""))
            let banTime = try #require(output.range(of: "\"banTime\""))
            #expect(actions.lowerBound < activeBans.lowerBound && activeBans.lowerBound < banTime.lowerBound)
            #expect(output.hasPrefix("{\n  \"status\" : {"))
        }
    }

    @Test func statusOfAnUnknownJailIsADaemonError() throws {
        try withFakeDaemon { daemon in
            let result = try run(["status", "ftp"], on: daemon)
            #expect(result.status == 1)
            #expect(result.output.isEmpty)
            #expect(result.error == "bailiff: no jail named 'ftp'\n")
        }
    }

    // MARK: banned

    @Test func bannedListsEachBanWithTimeLeftInLocalTime() throws {
        try withFakeDaemon { daemon in
            let result = try run(["banned"], on: daemon)
            #expect(result.status == 0, "\(result.error)")
            #expect(result.output == """
                ADDRESS        JAIL      BANNED AT            TIME LEFT  BANS  FAILURES
                203.0.113.7    sshd      2023-11-14 22:13:20  9m 58s        2         5
                2001:db8::/64  recidive  2023-11-14 22:15:00  permanent    11         3

                """)
            let tokyo = try run(["banned"], on: daemon, environment: ["TZ": "Asia/Tokyo"])
            #expect(tokyo.output.contains("203.0.113.7    sshd      2023-11-15 07:13:20"))
        }
    }

    @Test func bannedInOneJailAsksForThatJail() throws {
        try withFakeDaemon { daemon in
            let result = try run(["banned", "recidive", "--json"], on: daemon)
            #expect(result.status == 0, "\(result.error)")
            let reply = try decode(BailiffInterface.ListBans.Reply.self, from: result.output)
            #expect(reply.bans == [Fixtures.bans[1]])
            #expect(!result.output.contains("expiresAt"), "a permanent ban has no expiry")
            #expect(try daemon.onlyCall(of: BailiffInterface.ListBans.self) == .init(jail: "recidive"))
        }
    }

    @Test func bannedSaysSoWhenThereAreNone() throws {
        let none: FakeDaemon.Handler = { _ in .parameters(BailiffInterface.ListBans.Reply(bans: [])) }
        try withFakeDaemon(handler: none) { daemon throws in
            #expect(try run(["banned"], on: daemon).output == "no bans in force\n")
            #expect(try run(["banned", "sshd"], on: daemon).output == "no bans in force in sshd\n")
        }
    }

    // MARK: ban

    @Test func banReportsNewBansAndAddressesAlreadyBanned() throws {
        try withFakeDaemon { daemon in
            let result = try run(["ban", "sshd", "198.51.100.0/24", "203.0.113.7"], on: daemon)
            #expect(result.status == 0, "\(result.error)")
            #expect(result.output == "banned 198.51.100.0/24 in sshd\n203.0.113.7 was already banned in sshd\n")
            #expect(try daemon.onlyCall(of: BailiffInterface.Ban.self) == .init(jail: "sshd", addresses: ["198.51.100.0/24", "203.0.113.7"]))
        }
    }

    @Test func banJSONIsTheReply() throws {
        try withFakeDaemon { daemon in
            let result = try run(["ban", "sshd", "2001:db8::7", "203.0.113.7", "--json"], on: daemon)
            #expect(result.status == 0, "\(result.error)")
            #expect(try decode(BailiffInterface.Ban.Reply.self, from: result.output).banned == ["2001:db8::7"])
        }
    }

    @Test func banRejectsAnInvalidAddressWithoutCallingTheDaemon() throws {
        try withFakeDaemon { daemon in
            let result = try run(["ban", "sshd", "192.0.2.1", "localhost"], on: daemon)
            #expect(result.status == 2)
            #expect(result.error.contains("'localhost': expected an IPv4 address"))
            #expect(result.output.isEmpty)
            let network = try run(["ban", "sshd", "192.0.2.0/33"], on: daemon)
            #expect(network.status == 2)
            #expect(network.error.contains("a prefix length from 0 to 32"))
            #expect(daemon.calls.isEmpty)
        }
    }

    @Test func banInAnUnknownJailIsADaemonError() throws {
        try withFakeDaemon { daemon in
            let result = try run(["ban", "ftp", "192.0.2.1"], on: daemon)
            #expect(result.status == 1)
            #expect(result.error == "bailiff: no jail named 'ftp'\n")
        }
    }

    @Test func anAddressTheDaemonRefusesIsADaemonError() throws {
        let refusing: FakeDaemon.Handler = { _ in .error(.invalidAddress(address: "0.0.0.0/0")) }
        try withFakeDaemon(handler: refusing) { daemon in
            let result = try run(["ban", "sshd", "0.0.0.0/0"], on: daemon)
            #expect(result.status == 1)
            #expect(result.error == "bailiff: '0.0.0.0/0' is not an IP address or network\n")
        }
    }

    // MARK: unban

    @Test func unbanAddressesInOneJail() throws {
        try withFakeDaemon { daemon in
            let result = try run(["unban", "--jail", "sshd", "203.0.113.7", "192.0.2.1"], on: daemon)
            #expect(result.status == 0, "\(result.error)")
            #expect(result.output == "unbanned 203.0.113.7 in sshd\n192.0.2.1 was not banned in sshd\n")
            #expect(try daemon.onlyCall(of: BailiffInterface.Unban.self) == .init(jail: "sshd", addresses: ["203.0.113.7", "192.0.2.1"], all: nil))
        }
    }

    @Test func unbanAll() throws {
        try withFakeDaemon { daemon in
            let result = try run(["unban", "--all"], on: daemon)
            #expect(result.status == 0, "\(result.error)")
            #expect(result.output == "unbanned 203.0.113.7\nunbanned 2001:db8::/64\n")
            #expect(try daemon.onlyCall(of: BailiffInterface.Unban.self) == .init(jail: nil, addresses: nil, all: true))
        }
        try withFakeDaemon { daemon in
            let result = try run(["unban", "--all", "--jail", "recidive", "--json"], on: daemon)
            #expect(result.status == 0, "\(result.error)")
            #expect(try decode(BailiffInterface.Unban.Reply.self, from: result.output).unbanned == ["2001:db8::/64"])
            #expect(try daemon.onlyCall(of: BailiffInterface.Unban.self) == .init(jail: "recidive", addresses: nil, all: true))
        }
    }

    @Test(arguments: [["unban"], ["unban", "--all", "192.0.2.1"], ["unban", "--jail", "sshd"], ["unban", "not-an-address"]])
    func unbanUsageErrors(arguments: [String]) throws {
        try withFakeDaemon { daemon in
            let result = try run(arguments, on: daemon)
            #expect(result.status == 2)
            #expect(result.error.contains("Usage: bailiff unban"))
            #expect(daemon.calls.isEmpty)
        }
    }

    // MARK: reload

    @Test func reloadNamesTheJailsRunning() throws {
        try withFakeDaemon { daemon in
            let result = try run(["reload"], on: daemon)
            #expect(result.status == 0, "\(result.error)")
            #expect(result.output == "reloaded; 2 jails running: sshd, recidive\n")
            #expect(daemon.calls.map(\.method) == [BailiffInterface.Reload.name])
            let json = try run(["reload", "--json"], on: daemon)
            #expect(try decode(BailiffInterface.Reload.Reply.self, from: json.output).jails == ["sshd", "recidive"])
        }
    }

    @Test func aFailedReloadSaysWhyAndExitsWithOne() throws {
        let failing: FakeDaemon.Handler = { _ in .error(.reloadFailed(reason: "jail.local line 3: expected a number")) }
        try withFakeDaemon(handler: failing) { daemon in
            let result = try run(["reload"], on: daemon)
            #expect(result.status == 1)
            #expect(result.output.isEmpty)
            #expect(result.error == "bailiff: reload failed, the running configuration stays: jail.local line 3: expected a number\n")
        }
    }

    @Test func reloadCheckValidatesTheShippedTreeWithoutTheDaemon() throws {
        try withFakeDaemon { daemon in
            let config = CLI.repository.appendingPathComponent("config").path
            let result = try CLI.run(["reload", "--check", "--config", config], environment: ["BAILIFF_SOCKET": daemon.socketPath])
            #expect(result.status == 0, "\(result.error)")
            #expect(result.output.contains("0 errors"))
            #expect(daemon.calls.isEmpty)
        }
    }

    @Test func reloadCheckFailsOnABrokenTree() throws {
        let directory = try createTemporaryDirectory(prefix: "bailiff-cli")
        defer { removeTree(directory) }
        try FileManager.default.createDirectory(atPath: "\(directory)/filter.d", withIntermediateDirectories: true)
        try "[sshd]\nenabled = true\nfilter = missing-filter\nbantime = soon\n".write(toFile: "\(directory)/jail.conf", atomically: true, encoding: .utf8)
        let result = try CLI.run(["reload", "--check", "--config", directory])
        #expect(result.status == 1)
        #expect(result.error.contains("jail.conf:4"))
        #expect(result.error.contains("bantime: expected a duration"))
        #expect(result.output.contains("; 1 errors"))
    }

    @Test func reloadConfigWithoutCheckIsAUsageError() throws {
        let result = try CLI.run(["reload", "--config", "/etc/bailiff", "--socket", "/nonexistent/io.bailiff"])
        #expect(result.status == 2)
        #expect(result.error.contains("--config goes with --check"))
    }

    // MARK: ping and the socket

    @Test func pingFindsTheSocketThroughTheEnvironment() throws {
        try withFakeDaemon { daemon in
            let result = try CLI.run(["ping"], environment: ["BAILIFF_SOCKET": daemon.socketPath])
            #expect(result.status == 0, "\(result.error)")
            #expect(result.output.hasPrefix("bailiffd answered on \(daemon.socketPath) in "))
            #expect(result.output.hasSuffix(" ms\n"))
            #expect(daemon.calls.map(\.method) == [BailiffInterface.Ping.name])
            // --socket wins over the environment.
            let json = try CLI.run(["ping", "--json", "--socket", daemon.socketPath], environment: ["BAILIFF_SOCKET": "/nonexistent/io.bailiff"])
            #expect(json.status == 0, "\(json.error)")
            #expect(try decode(VarlinkEmpty.self, from: json.output) == VarlinkEmpty())
        }
    }

    static let everyCommand: [[String]] = [
        ["ping"], ["status"], ["status", "sshd"], ["banned"], ["ban", "sshd", "192.0.2.1"],
        ["unban", "192.0.2.1"], ["unban", "--all"], ["reload"],
    ]

    @Test(arguments: everyCommand)
    func noSocketMeansTheDaemonIsNotRunning(arguments: [String]) throws {
        let directory = try createTemporaryDirectory(prefix: "bailiff-cli")
        defer { removeTree(directory) }
        let path = "\(directory)/io.bailiff"
        let result = try CLI.run(arguments + ["--socket", path])
        #expect(result.status == 3)
        #expect(result.output.isEmpty)
        #expect(result.error == "bailiff: the daemon is not running (no control socket at \(path))\n")
    }

    @Test(arguments: [["ping"], ["status"], ["reload"]])
    func aSocketNobodyListensOnMeansTheDaemonIsNotRunning(arguments: [String]) throws {
        let directory = try createTemporaryDirectory(prefix: "bailiff-cli")
        defer { removeTree(directory) }
        let path = "\(directory)/io.bailiff"
        try makeStaleSocket(at: path)
        let result = try CLI.run(arguments + ["--socket", path])
        #expect(result.status == 3)
        #expect(result.output.isEmpty)
        #expect(result.error == "bailiff: the daemon is not running (nothing is listening on \(path))\n")
    }

    @Test func aDaemonThatDoesNotAnswerTimesOut() throws {
        let silent: FakeDaemon.Handler = { _ in .deferred }
        try withFakeDaemon(handler: silent) { daemon in
            let start = ContinuousClock.now
            let result = try run(["status", "--timeout", "0.5"], on: daemon)
            #expect(ContinuousClock.now - start < .seconds(10))
            #expect(result.status == 3)
            #expect(result.error == "bailiff: the daemon did not answer on \(daemon.socketPath) within 500ms (see --timeout)\n")
            #expect(daemon.calls.map(\.method) == [BailiffInterface.GetStatus.name])
        }
    }

    @Test func anOlderDaemonWithoutTheMethodIsADaemonError() throws {
        let older: FakeDaemon.Handler = { call in .error(.methodNotFound(call.method)) }
        try withFakeDaemon(handler: older) { daemon in
            let result = try run(["ping"], on: daemon)
            #expect(result.status == 1)
            #expect(result.error.hasPrefix("bailiff: the daemon does not support this command"))
            #expect(result.error.contains("io.bailiff.Ping"))
            #expect(result.error.split(separator: "\n").count == 1)
        }
    }

    @Test func aBadTimeoutIsAUsageError() throws {
        let result = try CLI.run(["ping", "--timeout", "0", "--socket", "/nonexistent/io.bailiff"])
        #expect(result.status == 2)
        #expect(result.error.contains("--timeout must be a positive number of seconds"))
    }
}
