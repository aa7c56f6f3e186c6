import BailiffControl
import Glibc

/// Puts a `VarlinkServer` on the event loop: before every wait it brings the loop's watches
/// in line with the descriptors the server wants polled and runs the server's deadlines;
/// the loop hands each event back to the server.
final class ControlEndpoint {
    let server: VarlinkServer
    private let loop: EventLoop
    /// The loop's watch for each interest the server asked for on the last pass.
    private var watches: [Int32: (interest: VarlinkPollInterest, watch: EventLoop.WatchID)] = [:]

    init(server: VarlinkServer, loop: EventLoop) {
        self.server = server
        self.loop = loop
    }

    func attach() {
        loop.beforeEachWait { [unowned self] in prepare() }
    }

    private func prepare() -> Double? {
        server.handleDeadlines()
        var wanted: [Int32: VarlinkPollInterest] = [:]
        for interest in server.pollInterests { wanted[interest.descriptor] = interest }
        for (descriptor, current) in watches where wanted[descriptor] == nil {
            loop.unwatch(current.watch)
            watches[descriptor] = nil
        }
        for (descriptor, interest) in wanted {
            if let current = watches[descriptor] {
                if current.interest == interest { continue }
                // Same descriptor, other owner or events: a closed and reused descriptor
                // gets a fresh watch, so old events never reach the new connection.
                loop.unwatch(current.watch)
            }
            let watch = loop.watch(descriptor, events: interest.events) { [unowned self] events in
                server.handle(interest, events: events)
            }
            watches[descriptor] = (interest, watch)
        }
        guard let wait = server.timeUntilNextDeadline() else { return nil }
        let (seconds, attoseconds) = wait.components
        return EventLoop.monotonicNow() + Double(seconds) + Double(attoseconds) / 1e18
    }

    func close() {
        for current in watches.values { loop.unwatch(current.watch) }
        watches.removeAll()
        server.close()
    }
}
