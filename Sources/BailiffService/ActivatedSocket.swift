import CSystemd
import Glibc

/// A socket the service manager opened for this process and passed at start (a
/// `.socket` unit), with the name its `FileDescriptorName=` gave it.
public struct ActivatedSocket: Equatable, Sendable {
    public let descriptor: Int32
    /// The name from `LISTEN_FDNAMES`; `unknown` when none was passed, as in sd-daemon.
    public let name: String

    public init(descriptor: Int32, name: String) {
        self.descriptor = descriptor
        self.name = name
    }

    /// Whether the descriptor is a unix stream socket in the listening state, the kind a
    /// control socket unit (`ListenStream=/path`) passes.
    public var isListeningUnixStreamSocket: Bool {
        sd_is_socket_unix(descriptor, Int32(SOCK_STREAM.rawValue), 1, nil, 0) > 0
    }
}
