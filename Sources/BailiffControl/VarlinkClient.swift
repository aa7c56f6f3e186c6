import Foundation
import Glibc

/// A blocking Varlink client for command-line tools: one connection, one call at a time,
/// every step bounded by the timeout.
public final class VarlinkClient {
    public let path: String
    /// How long connecting, and then each call as a whole, may take.
    public var timeout: Duration
    /// The largest reply accepted; a service sending more is cut off.
    public var maxReplyBytes = 64 << 20

    private let descriptor: Int32
    /// Bytes received after the end of the last reply.
    private var received: [UInt8] = []

    /// Connects to the service listening on `path`.
    public init(path: String, timeout: Duration = .seconds(10)) throws(VarlinkClientError) {
        self.path = path
        self.timeout = timeout
        guard let address = UnixSocketAddress(path: path) else { throw .pathTooLong(path: path) }
        let descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { throw .failed(path: path, action: "creating a socket for", errno: errno) }
        // A blocking connect on a unix socket waits for room in the listen backlog, for at
        // most the send timeout.
        var limit = Self.timeval(timeout)
        setsockopt(descriptor, SOL_SOCKET, SO_SNDTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        var result: Int32
        repeat {
            result = address.withSocketAddress { connect(descriptor, $0, $1) }
        } while result != 0 && errno == EINTR
        if result != 0 {
            let code = errno
            Glibc.close(descriptor)
            switch code {
            case ENOENT: throw .noSocket(path: path)
            case ECONNREFUSED: throw .notListening(path: path)
            case EACCES, EPERM: throw .permissionDenied(path: path)
            case EAGAIN, EINPROGRESS, ETIMEDOUT: throw .timedOut(path: path, timeout: timeout)
            default: throw .failed(path: path, action: "connecting to", errno: code)
            }
        }
        let flags = fcntl(descriptor, F_GETFL)
        _ = fcntl(descriptor, F_SETFL, flags | O_NONBLOCK)
        self.descriptor = descriptor
    }

    deinit {
        Glibc.close(descriptor)
    }

    /// Calls `method` and returns its reply; a Varlink error reply throws `.remote`.
    public func call<M: VarlinkMethod>(_ method: M.Type, _ parameters: M.Parameters) throws(VarlinkClientError) -> M.Reply {
        try call(method: M.name, parameters: parameters, replyType: M.Reply.self)
    }

    /// Calls a method that takes no parameters.
    public func call<M: VarlinkMethod>(_ method: M.Type) throws(VarlinkClientError) -> M.Reply where M.Parameters == VarlinkEmpty {
        try call(method: M.name, parameters: VarlinkEmpty(), replyType: M.Reply.self)
    }

    /// Calls a method by name with any parameters and reply type.
    public func call<P: Encodable, R: Decodable>(method: String, parameters: P, replyType: R.Type) throws(VarlinkClientError) -> R {
        let deadline = ContinuousClock.now + timeout
        try send(try encodeCall(method: method, parameters: parameters, oneway: false), deadline: deadline)
        return try decodeReply(try receiveMessage(deadline: deadline), as: R.self)
    }

    /// Calls a method without waiting for, or getting, a reply.
    public func callOneway<P: Encodable>(method: String, parameters: P) throws(VarlinkClientError) {
        try send(try encodeCall(method: method, parameters: parameters, oneway: true), deadline: ContinuousClock.now + timeout)
    }

    // MARK: Messages

    private func encodeCall<P: Encodable>(method: String, parameters: P, oneway: Bool) throws(VarlinkClientError) -> Data {
        do {
            return try VarlinkWire.call(method: method, parameters: parameters, oneway: oneway)
        } catch {
            throw .unencodableCall(method: method)
        }
    }

    private struct ReplyHead: Decodable {
        let error: String?
    }

    private struct ErrorReply: Decodable {
        let parameters: [String: JSONValue]?
    }

    private struct SuccessReply<R: Decodable>: Decodable {
        let parameters: R?
    }

    private func decodeReply<R: Decodable>(_ message: Data, as type: R.Type) throws(VarlinkClientError) -> R {
        let decoder = JSONDecoder()
        let head: ReplyHead
        do {
            head = try decoder.decode(ReplyHead.self, from: message)
        } catch {
            throw .malformedReply(path: path, detail: "not a JSON object with an optional string 'error'")
        }
        if let name = head.error {
            let parameters = (try? decoder.decode(ErrorReply.self, from: message))?.parameters ?? [:]
            throw .remote(VarlinkError(name: name, parameters: parameters))
        }
        do {
            if let parameters = try decoder.decode(SuccessReply<R>.self, from: message).parameters { return parameters }
            return try decoder.decode(R.self, from: Data("{}".utf8))
        } catch {
            throw .malformedReply(path: path, detail: "parameters do not match \(R.self): \(error)")
        }
    }

    // MARK: Socket

    private func send(_ message: Data, deadline: ContinuousClock.Instant) throws(VarlinkClientError) {
        var offset = 0
        while offset < message.count {
            let sent = message.withUnsafeBytes { bytes in
                Glibc.send(descriptor, bytes.baseAddress! + offset, bytes.count - offset, Int32(MSG_NOSIGNAL))
            }
            if sent > 0 {
                offset += sent
            } else if errno == EAGAIN || errno == EWOULDBLOCK {
                try wait(for: Int16(POLLOUT), until: deadline)
            } else if errno == EPIPE || errno == ECONNRESET {
                throw .connectionClosed(path: path)
            } else if errno != EINTR {
                throw .failed(path: path, action: "sending to", errno: errno)
            }
        }
    }

    /// The next message, without its NUL.
    private func receiveMessage(deadline: ContinuousClock.Instant) throws(VarlinkClientError) -> Data {
        var searched = 0
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            if let end = received[searched...].firstIndex(of: 0) {
                let message = Data(received[..<end])
                received.removeFirst(end + 1)
                return message
            }
            searched = received.count
            guard received.count <= maxReplyBytes else { throw .replyTooLarge(path: path, limit: maxReplyBytes) }
            let count = chunk.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress!, $0.count, 0) }
            if count > 0 {
                received += chunk[..<count]
            } else if count == 0 || errno == ECONNRESET {
                throw .connectionClosed(path: path)
            } else if errno == EAGAIN || errno == EWOULDBLOCK {
                try wait(for: Int16(POLLIN), until: deadline)
            } else if errno != EINTR {
                throw .failed(path: path, action: "receiving from", errno: errno)
            }
        }
    }

    private func wait(for events: Int16, until deadline: ContinuousClock.Instant) throws(VarlinkClientError) {
        let now = ContinuousClock.now
        guard now < deadline else { throw .timedOut(path: path, timeout: timeout) }
        var entry = pollfd(fd: descriptor, events: events, revents: 0)
        let result = poll(&entry, 1, VarlinkServer.milliseconds(rounding: deadline - now))
        if result < 0, errno != EINTR { throw .failed(path: path, action: "waiting on", errno: errno) }
    }

    private static func timeval(_ duration: Duration) -> Glibc.timeval {
        let (seconds, attoseconds) = duration.components
        let value = Glibc.timeval(tv_sec: Int(max(0, seconds)), tv_usec: Int(max(0, attoseconds) / 1_000_000_000_000))
        // Zero would mean no timeout at all.
        return value.tv_sec == 0 && value.tv_usec == 0 ? Glibc.timeval(tv_sec: 0, tv_usec: 1) : value
    }
}
