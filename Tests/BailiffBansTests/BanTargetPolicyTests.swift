import BailiffBans
import BailiffConfig
import Testing

@Suite struct BanTargetPolicyTests {
    @Test func bansTheAddressItselfByDefault() throws {
        let policy = try BanTargetPolicy(options: [String: String]())
        #expect(policy.ipv4PrefixLength == 32)
        #expect(policy.ipv6PrefixLength == 128)
        #expect(policy.target(forFailureID: "192.0.2.7")?.description == "192.0.2.7")
        #expect(policy.target(forFailureID: "192.0.2.7")?.isSingleAddress == true)
        #expect(policy.target(forFailureID: "2001:db8::7")?.description == "2001:db8::7")
    }

    @Test func addressesComeOutCanonical() throws {
        let policy = try BanTargetPolicy()
        #expect(policy.target(forFailureID: "2001:0DB8:0000:0000:0000:0000:0000:0007")?.description == "2001:db8::7")
        #expect(policy.target(forFailureID: "2001:db8:0:0:1:0:0:1")?.description == "2001:db8::1:0:0:1")
    }

    @Test func ipv6PrefixBansTheNetwork() throws {
        let policy = try BanTargetPolicy(options: ["banprefix.ipv6": "64"])
        let target = try #require(policy.target(forFailureID: "2001:db8:1:2:aaaa:bbbb:cccc:dddd"))
        #expect(target.description == "2001:db8:1:2::/64")
        #expect(!target.isSingleAddress)
        #expect(target.network.prefixLength == 64)
        // Every address of the /64 gives the same target, so one ban covers the host.
        #expect(policy.target(forFailureID: "2001:db8:1:2::1") == target)
        // IPv4 is untouched by the IPv6 prefix.
        #expect(policy.target(forFailureID: "198.51.100.23")?.description == "198.51.100.23")
    }

    @Test func ipv4PrefixBansTheNetwork() throws {
        let policy = try BanTargetPolicy(options: ["banprefix.ipv4": "24"])
        #expect(policy.target(forFailureID: "198.51.100.23")?.description == "198.51.100.0/24")
        #expect(policy.target(forFailureID: "2001:db8::1")?.description == "2001:db8::1")
    }

    @Test func ipv4MappedAddressesAreTreatedAsIPv4() throws {
        let plain = try BanTargetPolicy()
        #expect(plain.target(forFailureID: "::ffff:192.0.2.7")?.description == "192.0.2.7")
        let byNetwork = try BanTargetPolicy(ipv4PrefixLength: 16, ipv6PrefixLength: 64)
        #expect(byNetwork.target(forFailureID: "::ffff:192.0.2.7")?.description == "192.0.0.0/16")
    }

    @Test(arguments: ["", "sshd", "root", "example.com", "192.0.2", "192.0.2.256", "192.0.2.7/24", "2001:db8::1/64",
        "[2001:db8::1]", " 192.0.2.7", "192.0.2.7 ", "fe80::1%eth0", "192.0.2.7\u{0}", "1.2.3.4; rm -rf /"])
    func nonAddressesHaveNoTarget(id: String) throws {
        let policy = try BanTargetPolicy(ipv4PrefixLength: 24, ipv6PrefixLength: 64)
        #expect(policy.target(forFailureID: id) == nil)
    }

    @Test(arguments: [
        ("banprefix.ipv4", "0", "from 1 to 32"), ("banprefix.ipv4", "33", "from 1 to 32"),
        ("banprefix.ipv4", "-8", "from 1 to 32"), ("banprefix.ipv4", "/24", "from 1 to 32"),
        ("banprefix.ipv6", "0", "from 1 to 128"), ("banprefix.ipv6", "129", "from 1 to 128"),
        ("banprefix.ipv6", "sixty-four", "from 1 to 128"),
    ])
    func badPrefixesNameTheOptionAndTheRange(option: String, value: String, range: String) throws {
        let error = #expect(throws: ConfigError.self) { try BanTargetPolicy(options: [option: value]) }
        let message = try #require(error?.message)
        #expect(message.hasPrefix("\(option): expected a prefix length \(range)"), "\(message)")
        #expect(message.contains(value), "\(message)")
    }

    @Test func fullWidthPrefixesAreAccepted() throws {
        let policy = try BanTargetPolicy(options: ["banprefix.ipv4": "32", "banprefix.ipv6": "128"])
        #expect(policy.target(forFailureID: "2001:db8::9")?.isSingleAddress == true)
    }
}
