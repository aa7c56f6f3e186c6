import BailiffConfig
import Testing
@testable import BailiffNetwork
@testable import BailiffEngine

@Suite struct IgnoreListTests {
    @Test func addressesAndNetworkEdges() throws {
        let list = try IgnoreList(ignoreip: ["192.0.2.7", "10.0.0.0/8", "2001:db8::/32", "2001:db8:1::5"], ignoreself: nil)
        #expect(list.contains(address: "192.0.2.7"))
        #expect(!list.contains(address: "192.0.2.6"))
        #expect(!list.contains(address: "192.0.2.8"))
        #expect(list.contains(address: "10.0.0.0"))
        #expect(list.contains(address: "10.255.255.255"))
        #expect(!list.contains(address: "9.255.255.255"))
        #expect(!list.contains(address: "11.0.0.0"))
        #expect(list.contains(address: "2001:db8::"))
        #expect(list.contains(address: "2001:0db8:ffff:ffff:ffff:ffff:ffff:ffff"))
        #expect(!list.contains(address: "2001:db7:ffff:ffff:ffff:ffff:ffff:ffff"))
        #expect(!list.contains(address: "2001:db9::"))
        #expect(list.rule(forID: "2001:db8:1::5") == .ignoreip("2001:db8::/32"))
        #expect(list.rule(forID: "10.20.30.40") == .ignoreip("10.0.0.0/8"))
        #expect(!list.contains(address: "not an address"))
    }

    @Test func mappedAddressesMatchIPv4Rules() throws {
        let list = try IgnoreList(ignoreip: ["10.0.0.0/8", "::ffff:192.0.2.0/120"], ignoreself: nil)
        #expect(list.contains(address: "::ffff:10.1.2.3"))
        #expect(list.contains(address: "192.0.2.200"))
        #expect(list.contains(address: "::ffff:192.0.2.200"))
        #expect(!list.contains(address: "::ffff:11.1.2.3"))
        // Not a mapped address: the last 32 bits alone do not match.
        #expect(!list.contains(address: "2001:db8::a01:203"))
        let everyV6 = try IgnoreList(ignoreip: ["::/0"], ignoreself: nil)
        #expect(everyV6.contains(address: "::ffff:10.1.2.3"))
        #expect(!everyV6.contains(address: "10.1.2.3"))
    }

    @Test func entryFormsFail2banAccepts() throws {
        let list = try IgnoreList(
            ignoreip: ["192.0.2.77/24, 10.0.0.0/255.255.0.0", "[2001:db8::1] 198.51.100.1,198.51.100.2"], ignoreself: nil)
        #expect(list.contains(address: "192.0.2.1"))
        #expect(list.contains(address: "10.0.255.255"))
        #expect(!list.contains(address: "10.1.0.0"))
        #expect(list.contains(address: "2001:db8::1"))
        #expect(list.contains(address: "198.51.100.2"))
        #expect(list.rule(forID: "192.0.2.1") == .ignoreip("192.0.2.77/24"))
    }

    @Test func nestedNetworksAnswerWithTheOuterOne() throws {
        let list = try IgnoreList(ignoreip: ["10.1.0.0/16", "10.1.2.3", "10.0.0.0/8", "10.1.0.0/16"], ignoreself: nil)
        #expect(list.rule(forID: "10.1.2.3") == .ignoreip("10.0.0.0/8"))
        #expect(list.rule(forID: "10.200.0.1") == .ignoreip("10.0.0.0/8"))
    }

    @Test func networkIdsAreIgnoredWhenWhollyCovered() throws {
        let list = try IgnoreList(ignoreip: ["192.0.2.0/24"], ignoreself: nil)
        #expect(list.rule(forID: "192.0.2.128/25") == .ignoreip("192.0.2.0/24"))
        #expect(list.rule(forID: "192.0.0.0/16") == nil)
    }

    @Test func malformedEntriesAreNamedWithWhatWasExpected() {
        do {
            _ = try IgnoreList(ignoreip: ["10.0.0.0/33", "192.0.2.1", "1.2.3", "foo!bar", "2001:db8::/129", "x..y"], ignoreself: nil)
            Issue.record("malformed entries were accepted")
        } catch {
            #expect(error.problems.map(\.text) == ["10.0.0.0/33", "1.2.3", "foo!bar", "2001:db8::/129", "x..y"])
            #expect(error.description.contains("'10.0.0.0/33': expected a prefix length from 0 to 32"))
            #expect(error.description.contains("'1.2.3': expected an IPv4 address"))
            #expect(error.description.contains("'foo!bar': expected an IPv4 or IPv6 address, a network such as 10.0.0.0/8"))
        }
    }

    @Test func hostNamesResolveOnceAndMatchByName() throws {
        let list = try IgnoreList(ignoreip: ["localhost"], ignoreself: nil)
        #expect(list.warnings.isEmpty)
        #expect(list.rule(forID: "127.0.0.1") == .ignoreip("localhost"))
        for address in try HostNameResolution.addresses(of: "localhost") {
            #expect(list.contains(address))
        }
        // A failure id that is the name itself.
        #expect(list.rule(forID: "LocalHost.") == .ignoreip("localhost"))
        #expect(!list.contains(address: "127.0.0.2"))
    }

    @Test func unresolvableHostNameIsAWarningNotAnError() throws {
        let list = try IgnoreList(ignoreip: ["no-such-host.invalid", "192.0.2.1"], ignoreself: nil)
        #expect(list.warnings.count == 1)
        #expect(list.warnings.first?.contains("'no-such-host.invalid' did not resolve") == true)
        #expect(list.contains(address: "192.0.2.1"))
        #expect(list.contains(address: "no-such-host.invalid"))
    }

    @Test func ignoreselfCoversLoopbackAndInterfaces() throws {
        let local = try LocalAddresses.current()
        let list = try IgnoreList(ignoreip: [], ignoreself: local)
        #expect(list.rule(forID: "127.0.0.1") == .ignoreself)
        #expect(list.contains(address: "127.8.9.10"))
        #expect(list.contains(address: "::1"))
        #expect(list.contains(address: "::ffff:127.0.0.1"))
        #expect(list.contains(address: "localhost"))
        // Every address an interface reports is this machine.
        #expect(local.interfaceAddresses.contains(IPAddress("127.0.0.1")!))
        for address in local.interfaceAddresses {
            #expect(list.rule(for: address) == .ignoreself, "\(address)")
        }
        let external = local.interfaceAddresses.first { address in !LocalAddresses.loopback.contains { $0.contains(address) } }
        if let external {
            #expect(list.contains(address: external.description))
        }
        #expect(!list.contains(address: "198.51.100.254"))
        #expect(!(try IgnoreList(ignoreip: [], ignoreself: nil)).contains(address: "127.0.0.1"))
    }

    @Test func jailOptionsDecideIgnoreself() throws {
        let outcome = try TemporaryJails.load("""
            [on]
            enabled = true
            ignoreip = 203.0.113.0/24
            [off]
            enabled = true
            ignoreself = false
            ignoreip = 203.0.113.9
            """)
        #expect(outcome.errors.isEmpty)
        let lists = try outcome.jails.map { try IgnoreList(jail: $0) }
        #expect(lists[0].rule(forID: "127.0.0.1") == .ignoreself)
        #expect(lists[0].contains(address: "203.0.113.200"))
        #expect(!lists[1].contains(address: "127.0.0.1"))
        #expect(lists[1].contains(address: "203.0.113.9"))
    }

    @Test func jailErrorsNameTheJailAndTheEntry() throws {
        let outcome = try TemporaryJails.load("""
            [sshd]
            enabled = true
            ignoreip = 127.0.0.1/8 10.0.0.0/33
            """)
        let jail = try #require(outcome.jails.first)
        #expect(throws: ConfigError.self) { try IgnoreList(jail: jail) }
        do {
            _ = try IgnoreList(jail: jail)
        } catch {
            #expect(error.message.hasPrefix("jail [sshd]: ignoreip: '10.0.0.0/33': expected a prefix length"))
            #expect(error.location?.file.hasSuffix("jail.conf") == true)
        }
    }
}
