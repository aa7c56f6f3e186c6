import Foundation
import Glibc

/// A Varlink service on unix stream sockets, driven by the caller's poll loop: it never
/// blocks, tells which descriptors to poll (`pollInterests`, `timeUntilNextDeadline`), and
/// does its work when told what happened (`handle(_:events:)`, `handleDeadlines`).
/// Each pass does a bounded amount of work per connection, so a flood of calls on one
/// connection delays the others by little.
///
/// Calls go to the handler on the loop thread. The handler answers at once or defers; a
/// deferred call is answered later with `complete(_:with:continues:)`, also on the loop
/// thread. Replies on one connection go out in call order, whatever order they complete in.
/// `org.varlink.service` is answered by the server itself.
///
/// Not thread-safe: one thread owns the server for its whole life.
public final class VarlinkServer {
    public typealias Handler = (VarlinkCall) -> VarlinkHandling

    public let limits: VarlinkServerLimits
    let identity: VarlinkServiceInterface.Identity
    /// The implemented interfaces by name, the service interface included.
    let interfaces: [String: VarlinkInterface]
    /// Interface names in the order `GetInfo` lists them.
    let interfaceNames: [String]
    let handler: Handler

    private var listeners: [VarlinkListener] = []
    /// Accepting stops for a moment when the process runs out of descriptors, so the
    /// still-readable listener does not spin the loop.
    private var acceptPausedUntil: ContinuousClock.Instant?
    var connections: [UInt64: VarlinkConnection] = [:]
    private var nextConnectionID: UInt64 = 1
    var counters = VarlinkServerStatistics()
    private var readBuffer = [UInt8](repeating: 0, count: 64 * 1024)
    let encoder = VarlinkWire.makeEncoder()
    let decoder = JSONDecoder()

    public init(
        identity: VarlinkServiceInterface.Identity,
        interfaces: [VarlinkInterface],
        limits: VarlinkServerLimits = VarlinkServerLimits(),
        handler: @escaping Handler
    ) {
        self.identity = identity
        self.limits = limits
        self.handler = handler
        let all = [VarlinkServiceInterface.interface] + interfaces.filter { $0.name != VarlinkServiceInterface.name }
        self.interfaces = Dictionary(all.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        self.interfaceNames = all.map(\.name)
    }

    deinit {
        close()
    }

    // MARK: Listening

    /// Accepts connections on an already listening socket, such as one passed by socket
    /// activation. The server closes it when it closes.
    public func adoptListener(descriptor: Int32) throws(VarlinkServerError) {
        listeners.append(try VarlinkListener(adopting: descriptor))
    }

    /// Binds `path` and accepts connections on it: creates missing parent directories,
    /// replaces a stale socket that nothing listens on, and gives the socket `mode`.
    /// The server removes the socket file when it closes.
    public func listen(path: String, mode: mode_t = 0o600) throws(VarlinkServerError) {
        listeners.append(try VarlinkListener(binding: path, mode: mode))
    }

    /// Closes every connection and listener. Calls still deferred can no longer be completed.
    public func close() {
        for connection in connections.values {
            Glibc.close(connection.descriptor)
        }
        connections.removeAll()
        for listener in listeners {
            listener.close()
        }
        listeners.removeAll()
    }

    // MARK: Polling

    /// The descriptors to poll now and the events each waits for. Ask again on every pass:
    /// the set changes as connections come and go and as replies queue up.
    public var pollInterests: [VarlinkPollInterest] {
        var interests: [VarlinkPollInterest] = []
        interests.reserveCapacity(listeners.count + connections.count)
        if acceptPausedUntil == nil {
            for listener in listeners {
                interests.append(VarlinkPollInterest(descriptor: listener.descriptor, events: Int16(POLLIN), owner: .listener))
            }
        }
        for connection in connections.values {
            var events: Int16 = 0
            if wantsInput(connection) { events |= Int16(POLLIN) }
            if connection.hasUnsentBytes { events |= Int16(POLLOUT) }
            interests.append(VarlinkPollInterest(descriptor: connection.descriptor, events: events, owner: .connection(connection.id)))
        }
        return interests
    }

    /// Acts on the events poll reported for `interest`.
    public func handle(_ interest: VarlinkPollInterest, events: Int16) {
        let now = ContinuousClock.now
        switch interest.owner {
        case .listener:
            acceptConnections(on: interest.descriptor, now: now)
        case .connection(let id):
            guard let connection = connections[id], connection.descriptor == interest.descriptor else { return }
            if events & Int16(POLLERR | POLLNVAL) != 0 {
                closeConnection(connection)
                return
            }
            if events & Int16(POLLIN | POLLHUP) != 0, wantsInput(connection), !receive(on: connection) {
                return
            }
            guard settle(connection, now: now) else { return }
            // A hang-up with nothing left to read: the client is gone and cannot take replies.
            if events & Int16(POLLHUP) != 0, !connection.hasMessagesSetAside,
                connection.peerStoppedSending || !wantsInput(connection)
            {
                closeConnection(connection)
            }
        }
    }

    /// How long the loop may wait before `handleDeadlines` must run (zero while calls set
    /// aside by an earlier pass wait); nil for no limit.
    public func timeUntilNextDeadline(now: ContinuousClock.Instant = .now) -> Duration? {
        var earliest = acceptPausedUntil
        for connection in connections.values {
            if connection.hasMessagesSetAside { return .zero }
            if let deadline = deadline(of: connection) {
                earliest = min(earliest ?? deadline, deadline)
            }
        }
        guard let earliest else { return nil }
        return earliest > now ? earliest - now : .zero
    }

    /// Closes connections past their idle timeout, resumes accepting after a pause, and
    /// goes on with calls set aside by the previous pass. Call it on every pass.
    public func handleDeadlines(now: ContinuousClock.Instant = .now) {
        if let until = acceptPausedUntil, until <= now { acceptPausedUntil = nil }
        for connection in Array(connections.values) {
            if connection.hasMessagesSetAside {
                connection.hasMessagesSetAside = false
                guard settle(connection, now: now) else { continue }
            }
            if let deadline = deadline(of: connection), deadline <= now {
                counters.timedOut += 1
                closeConnection(connection)
            }
        }
    }

    /// One pass of a loop that serves only this server: polls for at most `timeout` (nil:
    /// until something happens or a deadline passes), then handles what happened.
    public func pollOnce(timeout: Duration?) throws(VarlinkServerError) {
        let interests = pollInterests
        var descriptors = interests.map { pollfd(fd: $0.descriptor, events: $0.events, revents: 0) }
        var wait = timeUntilNextDeadline()
        if let timeout { wait = min(wait ?? timeout, timeout) }
        let result = poll(&descriptors, nfds_t(descriptors.count), Self.milliseconds(rounding: wait))
        if result < 0, errno != EINTR {
            throw .failed(action: "waiting for control connections", errno: errno)
        }
        if result > 0 {
            for (interest, descriptor) in zip(interests, descriptors) where descriptor.revents != 0 {
                handle(interest, events: descriptor.revents)
            }
        }
        handleDeadlines()
    }

    /// Counters and current buffer sizes.
    public var statistics: VarlinkServerStatistics {
        var statistics = counters
        statistics.connections = connections.count
        for connection in connections.values {
            statistics.bufferedInputBytes += connection.bufferedInputBytes
            statistics.unsentReplyBytes += connection.unsentBytes
            statistics.pendingCalls += connection.owedReplyCount
        }
        return statistics
    }

    // MARK: Connections

    private func acceptConnections(on listener: Int32, now: ContinuousClock.Instant) {
        // A bounded batch per pass keeps a connection flood from starving the rest of the loop.
        for _ in 0..<32 {
            let descriptor = accept(listener, nil, nil)
            if descriptor < 0 {
                switch errno {
                case EINTR, ECONNABORTED: continue
                case EMFILE, ENFILE, ENOBUFS, ENOMEM: acceptPausedUntil = now + .milliseconds(100)
                default: break
                }
                return
            }
            // accept4 is hidden behind _GNU_SOURCE; the same flags take two more calls.
            let flags = fcntl(descriptor, F_GETFL)
            guard flags >= 0, fcntl(descriptor, F_SETFL, flags | O_NONBLOCK) == 0, fcntl(descriptor, F_SETFD, FD_CLOEXEC) == 0 else {
                Glibc.close(descriptor)
                continue
            }
            if connections.count >= limits.maxConnections, !evictIdlestConnection() {
                counters.refused += 1
                Glibc.close(descriptor)
                continue
            }
            let connection = VarlinkConnection(
                id: nextConnectionID, descriptor: descriptor, peer: VarlinkPeer(connectedTo: descriptor), now: now)
            nextConnectionID += 1
            connections[connection.id] = connection
            counters.accepted += 1
        }
    }

    /// Closes the connection idle longest to make room; false when none is idle.
    private func evictIdlestConnection() -> Bool {
        let idle = connections.values.filter(\.isIdle)
        guard let idlest = idle.min(by: { $0.lastMessageAt < $1.lastMessageAt }) else { return false }
        counters.evicted += 1
        closeConnection(idlest)
        return true
    }

    /// Reads what the client sent, one buffer's worth so no client monopolises the loop.
    /// False when the connection failed and is closed.
    private func receive(on connection: VarlinkConnection) -> Bool {
        let count = readBuffer.withUnsafeMutableBytes { buffer in
            let count = read(connection.descriptor, buffer.baseAddress!, buffer.count)
            if count > 0 { connection.appendInput(UnsafeRawBufferPointer(rebasing: buffer[0..<count])) }
            return count
        }
        counters.peakConnectionInputBytes = max(counters.peakConnectionInputBytes, connection.bufferedInputBytes)
        if count == 0 {
            connection.peerStoppedSending = true
        } else if count < 0, errno != EAGAIN, errno != EWOULDBLOCK, errno != EINTR {
            closeConnection(connection)
            return false
        }
        return true
    }

    /// Whether more input should be read: not after the client stopped sending or a protocol
    /// error, and not while the connection has its fill of calls in progress or calls read
    /// earlier still wait their turn (its socket buffer then fills and the client waits).
    func wantsInput(_ connection: VarlinkConnection) -> Bool {
        !connection.peerStoppedSending && !connection.closesAfterReplies && !connection.hasMessagesSetAside
            && connection.owedReplyCount < limits.maxPendingCalls
    }

    /// When an idle connection times out: nil while the server itself owes it a reply.
    private func deadline(of connection: VarlinkConnection) -> ContinuousClock.Instant? {
        if connection.hasUnsentBytes { return connection.lastSendProgressAt + limits.idleTimeout }
        if connection.owedReplyCount == 0 { return connection.lastMessageAt + limits.idleTimeout }
        return nil
    }

    func closeConnection(_ connection: VarlinkConnection) {
        guard connections.removeValue(forKey: connection.id) != nil else { return }
        Glibc.close(connection.descriptor)
    }

    /// Milliseconds for poll(2), rounded up so a short wait does not become a busy loop.
    static func milliseconds(rounding duration: Duration?) -> Int32 {
        guard let duration else { return -1 }
        let (seconds, attoseconds) = duration.components
        if seconds < 0 || (seconds == 0 && attoseconds <= 0) { return 0 }
        let whole = min(seconds, Int64(Int32.max / 1_000))
        return Int32(clamping: whole * 1_000 + (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000)
    }
}
