import Glibc

/// A datagram socket standing in for the service manager's notification socket: bound to a
/// path, or to an abstract name, and read message by message.
public final class NotifySocketListener {
    public let descriptor: Int32
    /// The value for `NOTIFY_SOCKET`.
    public let notifySocket: String

    /// Binds `path`, or the abstract `name` when `abstract` is set.
    public init(path: String, abstract: Bool = false) {
        let descriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        var bytes = Array(path.utf8)
        if abstract { bytes.insert(0, at: 0) }
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: bytes) }
        let offset = MemoryLayout<sockaddr_un>.offset(of: \sockaddr_un.sun_path)!
        let length = socklen_t(offset + bytes.count + (abstract ? 0 : 1))
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, length) }
        }
        precondition(result == 0, "binding the notification socket failed: \(errno)")
        self.descriptor = descriptor
        notifySocket = abstract ? "@" + path : path
    }

    deinit {
        close(descriptor)
    }

    /// The next datagram, or nil when none arrives within a second.
    public func receive() -> String? {
        var entry = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        guard poll(&entry, 1, 1_000) > 0 else { return nil }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress!, $0.count, 0) }
        guard count >= 0 else { return nil }
        return String(decoding: buffer[..<count], as: UTF8.self)
    }
}
