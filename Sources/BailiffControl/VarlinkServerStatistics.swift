/// Counters and current sizes of a server, for the daemon's status and for tests.
public struct VarlinkServerStatistics: Equatable, Sendable {
    /// Connections open now.
    public var connections = 0
    /// Bytes received but not yet handled, over all connections.
    public var bufferedInputBytes = 0
    /// Reply bytes not yet sent, over all connections.
    public var unsentReplyBytes = 0
    /// Calls awaiting their replies, over all connections.
    public var pendingCalls = 0
    /// The most bytes ever buffered for one connection's input: stays within
    /// `maxMessageBytes` plus one read, however much a client sends.
    public var peakConnectionInputBytes = 0

    /// Connections accepted since the server started.
    public var accepted = 0
    /// New connections closed at once because every slot had work in progress.
    public var refused = 0
    /// Idle connections closed to make room for new ones.
    public var evicted = 0
    /// Connections closed by the idle timeout.
    public var timedOut = 0
    /// Connections closed for sending malformed or oversized messages.
    public var closedForBadMessages = 0
    /// Connections closed for not reading their replies.
    public var closedForUnreadReplies = 0
    /// Calls handed to the handler.
    public var calls = 0

    public init() {}
}
