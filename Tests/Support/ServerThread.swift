import BailiffControl
import Dispatch
import Foundation
import Glibc
import Synchronization

/// A Varlink server on its own thread, polled in a loop as the daemon's event loop polls it.
/// Work for the server (completing deferred calls) is handed to the loop thread with
/// `perform`, as the daemon's workers report back to its loop.
public final class ServerThread: Sendable {
    public let directory: String
    public let path: String
    private let shared = Mutex(Shared())
    private let stopped = DispatchSemaphore(value: 0)

    private struct Shared {
        var stopRequested = false
        var work: [@Sendable (VarlinkServer) -> Void] = []
        var statistics = VarlinkServerStatistics()
        var startError: VarlinkServerError?
    }

    /// Binds a socket in a fresh temporary directory and serves it with `handler`.
    public init(
        identity: VarlinkServiceInterface.Identity, limits: VarlinkServerLimits = VarlinkServerLimits(),
        handler: @escaping @Sendable (VarlinkCall) -> VarlinkHandling
    ) throws {
        directory = try createTemporaryDirectory(prefix: "bailiff-control")
        path = "\(directory)/run/io.bailiff"
        let started = DispatchSemaphore(value: 0)
        let path = self.path
        let thread = Thread { [self] in
            let server = VarlinkServer(identity: identity, interfaces: [BailiffInterface.interface], limits: limits, handler: handler)
            do throws(VarlinkServerError) {
                try server.listen(path: path)
            } catch {
                shared.withLock { $0.startError = error }
                started.signal()
                stopped.signal()
                return
            }
            started.signal()
            run(server)
        }
        thread.start()
        started.wait()
        if let error = shared.withLock({ $0.startError }) { throw error }
    }

    private func run(_ server: VarlinkServer) {
        while true {
            try? server.pollOnce(timeout: .milliseconds(5))
            let (work, stop) = shared.withLock { shared in
                defer { shared.work.removeAll() }
                return (shared.work, shared.stopRequested)
            }
            for item in work { item(server) }
            let statistics = server.statistics
            shared.withLock { $0.statistics = statistics }
            if stop { break }
        }
        server.close()
        stopped.signal()
    }

    /// Runs `work` on the loop thread at its next pass.
    public func perform(_ work: @escaping @Sendable (VarlinkServer) -> Void) {
        shared.withLock { $0.work.append(work) }
    }

    /// The server's statistics after its latest pass.
    public var statistics: VarlinkServerStatistics {
        shared.withLock { $0.statistics }
    }

    /// Waits up to `timeout` for `condition` on the statistics to hold.
    public func waitUntil(timeout: Duration = .seconds(5), _ condition: (VarlinkServerStatistics) -> Bool) -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if condition(statistics) { return true }
            usleep(2_000)
        }
        return condition(statistics)
    }

    public func client(timeout: Duration = .seconds(5)) throws -> VarlinkClient {
        try VarlinkClient(path: path, timeout: timeout)
    }

    /// Stops the loop, closes the server and removes the directory.
    public func stop() {
        shared.withLock { $0.stopRequested = true }
        stopped.wait()
        removeTree(directory)
    }
}
