import Testing
@testable import BailiffNetwork

@Suite struct IPAddressTests {
    @Test func parsesBothFamiliesToNumbers() throws {
        let v4 = try #require(IPAddress("192.0.2.7"))
        #expect(v4.family == .v4)
        #expect(v4 == IPAddress(ipv4: 0xC000_0207))
        let v6 = try #require(IPAddress("2001:DB8:0:0::1"))
        #expect(v6 == IPAddress(ipv6High: 0x2001_0DB8_0000_0000, low: 1))
        #expect(v6.description == "2001:db8::1")
        #expect(IPAddress("::ffff:192.0.2.7")?.description == "::ffff:192.0.2.7")
        #expect(IPAddress("::")?.description == "::")
    }

    @Test(arguments: ["", "1.2.3", "256.1.1.1", "01.2.3.4", "1.2.3.4 ", " 1.2.3.4", "1.2.3.4/8", "::g", "1:2:3:4:5:6:7:8:9",
                      "fe80::1%eth0", "host.example.org"])
    func refusesWhatIsNotOneAddress(_ text: String) {
        #expect(IPAddress(text) == nil)
    }

    @Test func parsesFromLineBytesAndNetworkBytes() throws {
        let line = Array("Failed password from 2001:db8::7 port 22".utf8)
        let address = try #require(IPAddress(utf8: line[21..<32]))
        #expect(address.description == "2001:db8::7")
        #expect(IPAddress(networkBytes: address.networkBytes) == address)
        #expect(IPAddress(networkBytes: [192, 0, 2, 7]) == IPAddress("192.0.2.7"))
        #expect(IPAddress(networkBytes: [1, 2, 3]) == nil)
        #expect(IPAddress(utf8: Array(repeating: UInt8(ascii: "1"), count: 100)) == nil)
        // A NUL inside the text must not cut it short.
        #expect(IPAddress(utf8: Array("1.2.3.4".utf8) + [0, 0x35]) == nil)
    }

    @Test func masksToAPrefix() throws {
        let v4 = try #require(IPAddress("192.0.2.255"))
        #expect(v4.masked(toPrefixLength: 24).description == "192.0.2.0")
        #expect(v4.masked(toPrefixLength: 0).description == "0.0.0.0")
        #expect(v4.masked(toPrefixLength: 32) == v4)
        #expect(v4.masked(toPrefixLength: 99) == v4)
        let v6 = try #require(IPAddress("2001:db8:ffff:ffff:ffff:ffff:ffff:ffff"))
        #expect(v6.masked(toPrefixLength: 32).description == "2001:db8::")
        #expect(v6.masked(toPrefixLength: 64).description == "2001:db8:ffff:ffff::")
        #expect(v6.masked(toPrefixLength: 65).description == "2001:db8:ffff:ffff:8000::")
        #expect(v6.masked(toPrefixLength: 127).description == "2001:db8:ffff:ffff:ffff:ffff:ffff:fffe")
        #expect(v6.masked(toPrefixLength: 128) == v6)
        #expect(v6.masked(toPrefixLength: -4).description == "::")
    }

    @Test func ordersIPv4BeforeIPv6ThenByValue() throws {
        let sorted = ["::1", "10.0.0.1", "9.255.255.255", "2001:db8::", "::ffff:0.0.0.1"].compactMap(IPAddress.init).sorted()
        #expect(sorted.map(\.description) == ["9.255.255.255", "10.0.0.1", "::1", "::ffff:0.0.0.1", "2001:db8::"])
    }

    @Test func unmapsIPv4MappedAddresses() {
        #expect(IPAddress("::ffff:10.1.2.3")?.unmappedIPv4 == IPAddress("10.1.2.3"))
        #expect(IPAddress("::10.1.2.3")?.unmappedIPv4 == nil)
        #expect(IPAddress("10.1.2.3")?.unmappedIPv4 == nil)
    }

    @Test func networksParseAndCoverTheirRange() throws {
        let network = try IPNetwork(parsing: "192.0.2.77/24")
        #expect(network.description == "192.0.2.0/24")
        #expect(network.lastAddress.description == "192.0.2.255")
        #expect(try IPNetwork(parsing: "10.0.0.0/255.255.240.0").prefixLength == 20)
        #expect(try IPNetwork(parsing: "[2001:db8::]/32").lastAddress.description == "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff")
        #expect(try IPNetwork(parsing: "[2001:db8::1]").description == "2001:db8::1")
        #expect(try IPNetwork(parsing: "0.0.0.0/0").contains(IPAddress("255.255.255.255")!))
        #expect(try !IPNetwork(parsing: "0.0.0.0/0").contains(IPAddress("::1")!))
        #expect(try IPNetwork(parsing: "::ffff:192.0.2.0/120").unmappedIPv4?.description == "192.0.2.0/24")
    }

    @Test func networkErrorsSayWhatWasExpected() {
        #expect(throws: AddressParseError("10.0.0.0/33", expected: "a prefix length from 0 to 32 after '/' or a netmask such as 255.255.255.0")) {
            try IPNetwork(parsing: "10.0.0.0/33")
        }
        #expect(throws: AddressParseError("2001:db8::/129", expected: "a prefix length from 0 to 128 after '/'")) {
            try IPNetwork(parsing: "2001:db8::/129")
        }
        #expect(throws: AddressParseError("1.2.3", expected: "an IPv4 address such as 192.0.2.1 (four numbers from 0 to 255)")) {
            try IPNetwork(parsing: "1.2.3")
        }
        #expect(throws: AddressParseError("2001:db8::g", expected: "an IPv6 address such as 2001:db8::1")) {
            try IPNetwork(parsing: "2001:db8::g")
        }
        for text in ["10.0.0.0/", "10.0.0.0/255.0.255.0", "10.0.0.0/8/8", "10.0.0.0/-1", "10.0.0.0/0008"] {
            #expect(throws: AddressParseError.self, "\(text)") { try IPNetwork(parsing: text) }
        }
    }
}
