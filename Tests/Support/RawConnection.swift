import Foundation
import Glibc

/// A client socket that speaks bytes, for what VarlinkClient would never send: garbage,
/// pipelines, oneway calls, half-closed connections.
public final class RawConnection {
    public let descriptor: Int32
    private var received: [UInt8] = []

    public init(path: String) throws {
        descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: Array(path.utf8)) }
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard result == 0 else {
            let code = errno
            Glibc.close(descriptor)
            throw POSIXError(POSIXErrorCode(rawValue: code) ?? .EIO)
        }
    }

    deinit {
        Glibc.close(descriptor)
    }

    /// Writes all of `bytes`; false when the server closed the connection first.
    @discardableResult
    public func write(_ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes.withUnsafeBytes { send(descriptor, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL)) }
            if sent < 0 {
                if errno == EINTR { continue }
                return false
            }
            offset += sent
        }
        return true
    }

    /// Writes messages, each followed by its NUL, in one piece.
    @discardableResult
    public func write(messages: [String]) -> Bool {
        write(messages.flatMap { Array($0.utf8) + [0] })
    }

    public func shutdownWriting() {
        shutdown(descriptor, Int32(SHUT_WR))
    }

    public enum Received: Equatable, Sendable {
        case message(String)
        /// The server closed the connection.
        case closed
        case timedOut
    }

    /// The next message without its NUL, or what happened instead.
    public func receive(timeout: Duration = .seconds(5)) -> Received {
        let deadline = ContinuousClock.now + timeout
        while true {
            if let end = received.firstIndex(of: 0) {
                let message = String(decoding: received[..<end], as: UTF8.self)
                received.removeFirst(end + 1)
                return .message(message)
            }
            let now = ContinuousClock.now
            guard now < deadline else { return .timedOut }
            var entry = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            let milliseconds = Int32(clamping: (deadline - now).components.seconds * 1000 + (deadline - now).components.attoseconds / 1_000_000_000_000_000 + 1)
            guard poll(&entry, 1, milliseconds) > 0 else { continue }
            var chunk = [UInt8](repeating: 0, count: 65536)
            let count = chunk.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress!, $0.count, 0) }
            if count > 0 {
                received += chunk[..<count]
            } else if count == 0 || (errno != EINTR && errno != EAGAIN) {
                return .closed
            }
        }
    }

    /// The next message parsed as a JSON object.
    public func receiveObject(timeout: Duration = .seconds(5)) -> [String: Any]? {
        guard case .message(let text) = receive(timeout: timeout) else { return nil }
        return (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any]
    }
}

extension Dictionary where Key == String, Value == Any {
    /// The `error` member of a reply.
    public var errorName: String? { self["error"] as? String }
    /// The `parameters` member of a reply.
    public var parameters: [String: Any]? { self["parameters"] as? [String: Any] }
}

/// Lets the process hold at least `count` descriptors (up to the hard limit).
public func raiseDescriptorLimit(to count: rlim_t) {
    var limit = rlimit()
    getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
    guard limit.rlim_cur < count else { return }
    limit.rlim_cur = min(count, limit.rlim_max)
    setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
}
