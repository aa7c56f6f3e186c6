/// When the event loop should next send `WATCHDOG=1`. The loop pings only from its own
/// pass, so a stuck loop stops the pings and the service manager notices.
public struct WatchdogSchedule: Equatable, Sendable {
    public let interval: Duration
    /// When the next ping is due.
    public private(set) var nextPing: ContinuousClock.Instant

    /// A schedule whose first ping is due at once.
    public init(interval: Duration, now: ContinuousClock.Instant = .now) {
        self.interval = interval
        self.nextPing = now
    }

    public init(watchdog: ServiceWatchdog, now: ContinuousClock.Instant = .now) {
        self.init(interval: watchdog.pingInterval, now: now)
    }

    public func isDue(now: ContinuousClock.Instant = .now) -> Bool {
        now >= nextPing
    }

    /// How long the loop may sleep before the next ping is due (zero when it is due).
    public func timeUntilDue(now: ContinuousClock.Instant = .now) -> Duration {
        nextPing > now ? nextPing - now : .zero
    }

    /// Records a ping sent at `now`; the next is due one interval later.
    public mutating func pinged(at now: ContinuousClock.Instant = .now) {
        nextPing = now + interval
    }
}
