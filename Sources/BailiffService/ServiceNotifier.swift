import CSystemd  // sys/socket.h: Glibc alone does not give SOCK_DGRAM in an optimised build
import Glibc

/// Tells the service manager about state changes through `$NOTIFY_SOCKET`, as sd_notify(3)
/// does, and does nothing when the variable is unset (the daemon was not started by systemd
/// with `Type=notify`). The variable is left in place: the daemon notifies for its whole life.
///
/// Owned by one thread, like the event loop that sends the notifications.
public final class ServiceNotifier {
    /// Where notifications go; nil when there is no service manager to tell.
    public let socketAddress: String?
    private let address: NotifySocketAddress?
    /// Opened on first use and kept: the watchdog is fed every few seconds.
    private var descriptor: Int32 = -1

    /// Reads `NOTIFY_SOCKET` from `environment`.
    public init(environment: [String: String] = ProcessEnvironment.current()) throws(ServiceNotifierError) {
        let text = environment["NOTIFY_SOCKET"].flatMap { $0.isEmpty ? nil : $0 }
        self.socketAddress = text
        self.address = try text.map { (text) throws(ServiceNotifierError) in try NotifySocketAddress(text) }
    }

    deinit {
        if descriptor >= 0 { close(descriptor) }
    }

    /// Whether notifications go anywhere.
    public var isEnabled: Bool { address != nil }

    /// Sends the notifications as one message, so the service manager sees them together
    /// (`RELOADING=1` with its `MONOTONIC_USEC`, or `READY=1` with a `STATUS`).
    public func notify(_ notifications: ServiceNotification...) throws(ServiceNotifierError) {
        try notify(notifications)
    }

    public func notify(_ notifications: [ServiceNotification]) throws(ServiceNotifierError) {
        guard let address, !notifications.isEmpty else { return }
        try send(notifications.flatMap(\.lines).joined(separator: "\n"), to: address)
    }

    private func send(_ message: String, to address: NotifySocketAddress) throws(ServiceNotifierError) {
        if descriptor < 0 {
            descriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            guard descriptor >= 0 else { throw .failed(action: "creating the notification socket", errno: errno) }
        }
        var bytes = Array(message.utf8)
        var result: Int
        repeat {
            result = address.withSocketAddress { target, length in
                bytes.withUnsafeMutableBytes { sendto(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL), target, length) }
            }
        } while result < 0 && errno == EINTR
        guard result >= 0 else { throw .failed(action: "notifying the service manager at \(socketAddress ?? "")", errno: errno) }
    }
}
