import Glibc
import BailiffControl
import Synchronization

/// Deferred calls the handler set aside, for the test to complete from the loop thread.
final class TokenBox: Sendable {
    private let tokens = Mutex<[VarlinkCallToken]>([])

    func add(_ token: VarlinkCallToken) {
        tokens.withLock { $0.append(token) }
    }

    var all: [VarlinkCallToken] { tokens.withLock { $0 } }

    /// Waits for `count` deferred calls.
    func waitFor(_ count: Int, timeout: Duration = .seconds(5)) -> [VarlinkCallToken] {
        let deadline = ContinuousClock.now + timeout
        while all.count < count, ContinuousClock.now < deadline {
            usleep(1_000)
        }
        return all
    }
}
