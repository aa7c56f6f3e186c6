import Glibc

extension IPAddress {
    /// The address inside an `AF_INET` or `AF_INET6` socket address; nil for other families.
    init?(socketAddress: UnsafePointer<sockaddr>) {
        switch Int32(socketAddress.pointee.sa_family) {
        case AF_INET:
            let value = socketAddress.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee.sin_addr.s_addr }
            self.init(ipv4: UInt32(bigEndian: value))
        case AF_INET6:
            var value = socketAddress.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { $0.pointee.sin6_addr }
            guard let address = withUnsafeBytes(of: &value, { IPAddress(networkBytes: $0) }) else { return nil }
            self = address
        default:
            return nil
        }
    }
}
