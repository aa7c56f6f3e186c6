/// One state change told to the service manager through `$NOTIFY_SOCKET` (see sd_notify(3)).
public enum ServiceNotification: Equatable, Sendable {
    /// Start-up is done: `READY=1`.
    case ready
    /// A reload began at a CLOCK_MONOTONIC time: `RELOADING=1` and `MONOTONIC_USEC=`.
    /// Send `.ready` when it is done.
    case reloading(monotonicMicroseconds: UInt64)
    /// Shutting down: `STOPPING=1`.
    case stopping
    /// A one-line status for `systemctl status`: `STATUS=`.
    case status(String)
    /// The service is alive: `WATCHDOG=1`.
    case watchdog
    /// Asks the service manager for more time to start, reload or stop: `EXTEND_TIMEOUT_USEC=`.
    case extendTimeout(Duration)
    /// The error the service fails with, as an errno value: `ERRNO=`.
    case errno(Int32)

    /// A reload beginning now.
    public static func reloadingNow() -> ServiceNotification {
        .reloading(monotonicMicroseconds: MonotonicClock.nowMicroseconds())
    }

    /// The `VARIABLE=value` lines of the message.
    public var lines: [String] {
        switch self {
        case .ready: return ["READY=1"]
        case .reloading(let microseconds): return ["RELOADING=1", "MONOTONIC_USEC=\(microseconds)"]
        case .stopping: return ["STOPPING=1"]
        // A newline would start another variable; the status is one line.
        case .status(let text): return ["STATUS=" + text.split(whereSeparator: \.isNewline).joined(separator: " ")]
        case .watchdog: return ["WATCHDOG=1"]
        case .extendTimeout(let duration): return ["EXTEND_TIMEOUT_USEC=\(Self.microseconds(duration))"]
        case .errno(let code): return ["ERRNO=\(code)"]
        }
    }

    private static func microseconds(_ duration: Duration) -> UInt64 {
        let (seconds, attoseconds) = duration.components
        guard seconds >= 0 else { return 0 }
        let (whole, overflow) = UInt64(seconds).multipliedReportingOverflow(by: 1_000_000)
        // Anything this long means "as long as it takes".
        if overflow || whole > UInt64.max - 1_000_000 { return UInt64.max - 1 }
        return whole + UInt64(max(0, attoseconds) / 1_000_000_000_000)
    }
}
