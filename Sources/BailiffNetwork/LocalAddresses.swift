import Glibc

/// What identifies this machine, for `ignoreself`: its interface addresses and its names.
public struct LocalAddresses: Sendable, Equatable {
    /// Networks that are always this machine, whatever the interfaces say.
    public static let loopback: [IPNetwork] = [
        IPNetwork(IPAddress(ipv4: 0x7F00_0000), prefixLength: 8),
        IPNetwork(IPAddress(ipv6High: 0, low: 1)),
    ]

    /// The addresses of the network interfaces.
    public var interfaceAddresses: [IPAddress]
    /// `localhost` and the machine's host name, for failure ids that are names.
    public var hostNames: [String]

    public init(interfaceAddresses: [IPAddress], hostNames: [String]) {
        self.interfaceAddresses = interfaceAddresses
        self.hostNames = hostNames
    }

    /// The addresses of every interface now (`getifaddrs`) and the host name (`gethostname`).
    /// Nothing is resolved through DNS, so a broken resolver cannot stall a start.
    public static func current() throws(SystemCallError) -> LocalAddresses {
        var list: UnsafeMutablePointer<ifaddrs>?
        guard getifaddrs(&list) == 0 else { throw SystemCallError.errno("getifaddrs") }
        defer { freeifaddrs(list) }
        var addresses = Set<IPAddress>()
        var next = list
        while let entry = next {
            if let socketAddress = entry.pointee.ifa_addr, let address = IPAddress(socketAddress: UnsafePointer(socketAddress)) {
                addresses.insert(address)
            }
            next = entry.pointee.ifa_next
        }
        var names = ["localhost"]
        var buffer = [CChar](repeating: 0, count: 256)
        if gethostname(&buffer, buffer.count - 1) == 0 {
            let name = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            if !name.isEmpty, name != "localhost" { names.append(name) }
        }
        return LocalAddresses(interfaceAddresses: addresses.sorted(), hostNames: names)
    }
}
