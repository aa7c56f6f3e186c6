import Glibc

/// The watchdog the service manager runs for this process (`WatchdogSec=`), read from
/// `WATCHDOG_USEC` and `WATCHDOG_PID` as sd_watchdog_enabled(3) reads them.
public struct ServiceWatchdog: Equatable, Sendable {
    /// How long the service manager waits for a `WATCHDOG=1` before it acts.
    public let timeout: Duration

    /// How often to ping: half the timeout, as systemd recommends, so one late loop pass
    /// does not trip it.
    public var pingInterval: Duration { timeout / 2 }

    public init(timeout: Duration) {
        self.timeout = timeout
    }

    /// The watchdog set for process `processID`; nil when none is, or when it is meant for
    /// another process (`WATCHDOG_PID` differs). A value that is not a number throws.
    public static func configured(
        environment: [String: String] = ProcessEnvironment.current(),
        processID: pid_t = getpid()
    ) throws(ServiceEnvironmentError) -> ServiceWatchdog? {
        guard let text = environment["WATCHDOG_USEC"] else { return nil }
        // Zero and "infinity" (UINT64_MAX) are no timeouts at all.
        guard let microseconds = EnvironmentNumber.unsigned(text), microseconds > 0, microseconds < UInt64.max else {
            throw .invalidValue(variable: "WATCHDOG_USEC", value: text, expected: "a positive number of microseconds")
        }
        if let pidText = environment["WATCHDOG_PID"] {
            guard let pid = EnvironmentNumber.processID(pidText) else {
                throw .invalidValue(variable: "WATCHDOG_PID", value: pidText, expected: "a process ID")
            }
            guard pid == processID else { return nil }
        }
        return ServiceWatchdog(timeout: .microseconds(Int64(clamping: microseconds)))
    }
}
