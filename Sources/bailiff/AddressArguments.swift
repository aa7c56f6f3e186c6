import ArgumentParser
import BailiffNetwork

/// Addresses given on the command line. Checked here for a clear message before anything
/// is sent; the daemon checks them again.
enum AddressArguments {
    static func validate(_ addresses: [String]) throws {
        for text in addresses {
            do throws(AddressParseError) {
                _ = try IPNetwork(parsing: text)
            } catch {
                throw ValidationError("\(error)")
            }
        }
    }

    /// Whether two address texts name the same address or network, however written.
    static func same(_ left: String, _ right: String) -> Bool {
        if left == right { return true }
        guard let a = try? IPNetwork(parsing: left), let b = try? IPNetwork(parsing: right) else { return false }
        return a == b
    }
}
