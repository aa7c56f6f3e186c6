import Glibc

/// The datagram socket `$NOTIFY_SOCKET` names: a path, or an abstract name written `@name`.
struct NotifySocketAddress {
    private var storage = sockaddr_un()
    private let length: socklen_t

    init(_ text: String) throws(ServiceNotifierError) {
        var bytes = Array(text.utf8)
        let capacity = MemoryLayout.size(ofValue: storage.sun_path)
        let pathOffset = MemoryLayout<sockaddr_un>.offset(of: \sockaddr_un.sun_path)!
        switch bytes.first {
        case UInt8(ascii: "/"):
            // Room for the terminating NUL, which the address length includes.
            guard bytes.count < capacity else { throw .unsupportedAddress(text) }
            length = socklen_t(pathOffset + bytes.count + 1)
        case UInt8(ascii: "@"):
            // Abstract names start with a NUL and end where the address length says.
            bytes[0] = 0
            guard bytes.count > 1, bytes.count <= capacity else { throw .unsupportedAddress(text) }
            length = socklen_t(pathOffset + bytes.count)
        default:
            throw .unsupportedAddress(text)
        }
        storage.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &storage.sun_path) { $0.copyBytes(from: bytes) }
    }

    func withSocketAddress<Result>(_ body: (UnsafePointer<sockaddr>, socklen_t) -> Result) -> Result {
        withUnsafeBytes(of: storage) { raw in
            body(raw.baseAddress!.assumingMemoryBound(to: sockaddr.self), length)
        }
    }
}
