import BailiffFilter
import BailiffNetwork
import BailiffTestSupport
import Testing

struct AddressAgreementTests {
    /// The engine's masks and canonical text agree with the filter's text-based ones.
    @Test func agreesWithTheFilterAddressText() throws {
        var random = SeededGenerator(seed: 7)
        for _ in 0..<2000 {
            let isV6 = Bool.random(using: &random)
            let bytes = (0..<(isV6 ? 16 : 4)).map { _ in UInt8.random(in: 0...255, using: &random) }
            let address = try #require(IPAddress(networkBytes: bytes))
            let prefix = Int.random(in: 0...address.bitWidth, using: &random)
            #expect(Addresses.network(address.description, prefix: prefix) == "\(address.masked(toPrefixLength: prefix))/\(prefix)")
            if isV6 { #expect(Addresses.normalizeIPv6(address.description) == address.description) }
            #expect(IPAddress(address.description) == address)
        }
    }
}
