import BailiffControl
import BailiffTestSupport

/// Runs `body` with a server answering as `TestDaemon` (or `handler`), and stops it afterwards.
func withServer<Result>(
    limits: VarlinkServerLimits = VarlinkServerLimits(),
    handler: @escaping @Sendable (VarlinkCall) -> VarlinkHandling = TestDaemon.handle,
    _ body: (ServerThread) throws -> Result
) throws -> Result {
    let server = try ServerThread(identity: TestDaemon.identity, limits: limits, handler: handler)
    defer { server.stop() }
    return try body(server)
}
