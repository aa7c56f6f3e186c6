/// The bounds that keep one client, or many, from growing the server's memory or stalling
/// the event loop that runs it.
public struct VarlinkServerLimits: Equatable, Sendable {
    /// The largest message accepted, NUL excluded. A longer one gets an
    /// `InvalidParameter(parameter: "message")` error and the connection is closed; at most
    /// this much plus one read is ever buffered for it.
    public var maxMessageBytes: Int
    /// Open connections at most. A new connection beyond it closes the connection that has been
    /// idle longest; when every connection has work in progress, the new one is closed instead.
    public var maxConnections: Int
    /// A connection with nothing in progress that sends no complete message for this long is
    /// closed, as is one whose queued replies the client has not read any of for this long.
    public var idleTimeout: Duration
    /// Reply bytes queued for a client beyond the one reply being sent. A client that keeps
    /// calling without reading its replies is disconnected when it passes this.
    public var maxUnsentReplyBytes: Int
    /// Calls on one connection awaiting their replies; past it, no more is read from that
    /// connection until replies are sent.
    public var maxPendingCalls: Int

    public init(
        maxMessageBytes: Int = 1 << 20,
        maxConnections: Int = 256,
        idleTimeout: Duration = .seconds(60),
        maxUnsentReplyBytes: Int = 1 << 20,
        maxPendingCalls: Int = 64
    ) {
        self.maxMessageBytes = maxMessageBytes
        self.maxConnections = maxConnections
        self.idleTimeout = idleTimeout
        self.maxUnsentReplyBytes = maxUnsentReplyBytes
        self.maxPendingCalls = maxPendingCalls
    }
}
