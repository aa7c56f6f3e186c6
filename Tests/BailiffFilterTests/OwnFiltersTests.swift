import BailiffConfig
import Testing
@testable import BailiffFilter

/// The shipped `config/` tree, found from this file's place in the repository.
private let configDirectory: String = {
    var parts = #filePath.split(separator: "/", omittingEmptySubsequences: false)
    parts.removeLast(3)  // Tests/BailiffFilterTests/OwnFiltersTests.swift
    return parts.joined(separator: "/") + "/config"
}()

private func sshd(_ parameters: [String: String] = ["mode": "aggressive"]) throws -> FilterProcessor {
    var reference = NamedReference(name: "sshd")
    for (key, value) in parameters.sorted(by: { $0.key < $1.key }) { reference.parameters[key] = value }
    let definition = try FilterLoader(tree: ConfigTree(directory: configDirectory)).load(reference)
    return try FilterProcessor(definition: definition, clock: { 1_700_000_000 })
}

/// Runs undated lines ("host sshd[pid]: message") as the journal would hand them over.
private func failures(_ filter: FilterProcessor, _ line: String) -> [Failure] {
    filter.process(line: line, time: 1_700_000_000).failures
}

@Suite struct OwnFiltersTests {
    @Test func failedLoginsGiveAddressAndUser() throws {
        let filter = try sshd()
        let failed = try #require(failures(filter, "srv sshd[1001]: Failed password for invalid user admin from 192.0.2.10 port 4242 ssh2").first)
        #expect(failed.id == "192.0.2.10")
        #expect(failed.captures["user"] == "admin")

        let refused = try #require(failures(filter, "srv sshd[1002]: User root from 192.0.2.11 not allowed because listed in DenyUsers").first)
        #expect(refused.id == "192.0.2.11")
        #expect(refused.captures["user"] == "root")

        let pam = try #require(failures(filter, "srv sshd[1003]: error: PAM: Authentication failure for alice from 192.0.2.12").first)
        #expect(pam.id == "192.0.2.12")
    }

    @Test func sshdSessionLines() throws {
        let filter = try sshd()
        let invalid = try #require(failures(filter, "srv sshd-session[2001]: Invalid user test from 2001:db8::5 port 4242").first)
        #expect(invalid.id == "2001:db8::5")
        #expect(invalid.captures["user"] == "test")
        let maxTries = try #require(failures(filter, "srv sshd-session[2002]: error: maximum authentication attempts exceeded for root from 192.0.2.13 port 4242 ssh2 [preauth]").first)
        #expect(maxTries.id == "192.0.2.13")
        #expect(filter.definition.journalmatch.flatMap { $0 }.contains("_COMM=sshd-session"))
    }

    @Test func penaltyDropsCount() throws {
        let filter = try sshd(["mode": "normal"])
        let drop = try #require(failures(filter, "srv sshd[900]: drop connection #0 from [203.0.113.91]:51234 on [192.0.2.1]:22 penalty: failed authentication").first)
        #expect(drop.id == "203.0.113.91")
        let drop6 = try #require(failures(filter, "srv sshd[900]: drop connection #3 from [2001:db8::91]:51234 on [2001:db8::1]:22 penalty: attempted authentication by invalid user").first)
        #expect(drop6.id == "2001:db8::91")
        // Overload, not misbehaviour: never a failure.
        #expect(failures(filter, "srv sshd[900]: drop connection #10 from [203.0.113.92]:51234 on [192.0.2.1]:22 past MaxStartups").isEmpty)
        // Connections that never authenticate count from the ddos mode on.
        let noauth = "srv sshd[900]: drop connection #1 from [203.0.113.93]:51234 on [192.0.2.1]:22 penalty: connections without attempting authentication"
        #expect(failures(filter, noauth).isEmpty)
        #expect(failures(try sshd(["mode": "ddos"]), noauth).first?.id == "203.0.113.93")
    }

    @Test func connectionStateJoinsAndForgets() throws {
        let filter = try sshd()
        // A failure without an address takes it from an earlier line of the same connection.
        #expect(failures(filter, "srv sshd[3001]: pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=192.0.2.20  user=root").isEmpty)
        let tooMany = try #require(failures(filter, "srv sshd[3001]: Disconnecting: Too many authentication failures for root [preauth]").first)
        #expect(tooMany.id == "192.0.2.20")
        #expect(tooMany.lines.count == 2)

        // A successful login forgets what came before on its connection.
        #expect(failures(filter, "srv sshd[3002]: pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=192.0.2.21  user=bob").isEmpty)
        #expect(failures(filter, "srv sshd[3002]: Accepted password for bob from 192.0.2.21 port 4242 ssh2").isEmpty)
        let after = filter.process(line: "srv sshd[3002]: Disconnecting: Too many authentication failures for bob [preauth]", time: 1_700_000_000)
        #expect(after.outcome != .missed)
        #expect(after.failures.isEmpty)  // no address known any more for that connection
    }

    @Test func rejectedKeysOfExistingUsersWait() throws {
        let filter = try sshd(["mode": "normal"])
        let key = "srv sshd[3101]: Failed publickey for git from 192.0.2.30 port 4242 ssh2: ED25519 SHA256:Zm9vYmFy"
        #expect(failures(filter, key).isEmpty)
        #expect(failures(filter, key).isEmpty)
        let tooMany = try #require(failures(filter, "srv sshd[3101]: Disconnecting: Too many authentication failures for git [preauth]").first)
        #expect(tooMany.id == "192.0.2.30")
        #expect(tooMany.lines.count == 3)
        #expect(failures(try sshd(["publickey": "any"]), key).first?.id == "192.0.2.30")
    }

    @Test func noiseDoesNotMatch() throws {
        let filter = try sshd()
        for line in [
            "srv sshd[1]: Server listening on 0.0.0.0 port 22.",
            "srv sshd-session[4001]: pam_unix(sshd:session): session opened for user bob(uid=1000) by bob(uid=0)",
            "srv sshd-session[4002]: Postponed publickey for bob from 192.0.2.40 port 4242 ssh2 [preauth]",
            "srv sshd[4003]: Address 192.0.2.41 maps to example.org, but this does not map back to the address.",
            "srv sshd[4004]: srclimit_penalise: ipv4: new 192.0.2.42/32 active penalty of 30.000 seconds for penalty: failed authentication",
        ] {
            #expect(failures(filter, line).isEmpty, "\(line)")
        }
        #expect(filter.process(line: "srv sshd[1]: Server listening on 0.0.0.0 port 22.", time: 0).outcome == .missed)
    }

    @Test func hostileUserNamesCannotChooseTheAddress() throws {
        let filter = try sshd()
        let lines = [
            "srv sshd[5001]: Failed password for invalid user x from 192.0.2.66 from 198.51.100.7 port 4242 ssh2",
            "srv sshd[5002]: Invalid user x from 192.0.2.66 from 198.51.100.7 port 4242",
            "srv sshd[5003]: Invalid user x from 192.0.2.66 port 22 from 198.51.100.7 port 4242",
            "srv sshd[5004]: Connection closed by invalid user x from 192.0.2.66 198.51.100.7 port 4242 [preauth]",
            "srv sshd[5005]: error: maximum authentication attempts exceeded for invalid user x from 192.0.2.66 port 22 ssh2 from 198.51.100.7 port 4242 ssh2 [preauth]",
            "srv sshd[5006]: User x from 192.0.2.66 not allowed because listed in DenyUsers from 198.51.100.7 not allowed because listed in DenyUsers",
            "srv sshd[5007]: Failed publickey for invalid user x from 192.0.2.66 port 22 ssh2: x from 198.51.100.7 port 4242 ssh2: RSA SHA256:Zm9v",
        ]
        for line in lines {
            let found = failures(filter, line)
            #expect(found.map(\.id) == ["198.51.100.7"], "\(line)")
        }
        let invalid = try #require(failures(filter, lines[1]).first)
        #expect(invalid.captures["user"] == "x from 192.0.2.66")
    }
}
