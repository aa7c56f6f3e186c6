import Glibc

/// A host name that did not resolve, with the resolver's reason.
public struct HostNameResolutionError: Error, Equatable, Sendable, CustomStringConvertible {
    public let name: String
    public let reason: String

    public var description: String { "host name '\(name)' did not resolve: \(reason)" }
}

/// Host names to addresses through the system resolver (`getaddrinfo`), both families.
public enum HostNameResolution {
    /// Every IPv4 and IPv6 address of `name`, sorted and without repeats. Blocks while the
    /// resolver works, so call it when loading a configuration, never per failure.
    public static func addresses(of name: String) throws(HostNameResolutionError) -> [IPAddress] {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        // One socket type, or each address comes back once per type.
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var results: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(name, nil, &hints, &results)
        guard status == 0 else {
            let reason = status == EAI_SYSTEM ? String(cString: strerror(errno)) : String(cString: gai_strerror(status))
            throw HostNameResolutionError(name: name, reason: reason)
        }
        defer { freeaddrinfo(results) }
        var addresses = Set<IPAddress>()
        var next = results
        while let entry = next {
            if let socketAddress = entry.pointee.ai_addr, let address = IPAddress(socketAddress: socketAddress) {
                addresses.insert(address)
            }
            next = entry.pointee.ai_next
        }
        return addresses.sorted()
    }
}
