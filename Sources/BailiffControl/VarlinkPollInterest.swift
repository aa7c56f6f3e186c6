/// One descriptor the server wants the event loop to poll, with the events to wait for.
/// Hand it back with the events that occurred to `VarlinkServer.handle(_:events:)`.
public struct VarlinkPollInterest: Equatable, Sendable {
    enum Owner: Equatable, Sendable {
        case listener
        case connection(UInt64)
    }

    public let descriptor: Int32
    /// `POLLIN`, `POLLOUT` or both; zero still reports hang-ups and errors.
    public let events: Int16
    /// Which listener or connection asked: a descriptor number closed and reused within one
    /// loop pass must not deliver the old connection's events to the new one.
    let owner: Owner
}
