/// Names one call awaiting its reply, so the daemon can answer it later from the loop thread
/// (after a firewall command, say) with `VarlinkServer.complete(_:with:continues:)`.
public struct VarlinkCallToken: Hashable, Sendable, CustomStringConvertible {
    /// The connection the call came on; never reused by the same server.
    public let connection: UInt64
    /// The call's place among that connection's calls.
    public let sequence: UInt64

    public var description: String { "call \(sequence) on connection \(connection)" }
}
