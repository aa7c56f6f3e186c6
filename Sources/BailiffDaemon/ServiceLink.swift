import BailiffService

/// The daemon's side of the systemd notify protocol: readiness, reloads, stopping, the
/// status line and the watchdog. Pings come from a timer on the event loop, so a loop that
/// stalls stops pinging and the service manager restarts the daemon.
final class ServiceLink {
    private let notifier: ServiceNotifier?
    private let watchdog: ServiceWatchdog?
    private let loop: EventLoop
    private let log: (String) -> Void
    private var warned = false

    init(loop: EventLoop, log: @escaping (String) -> Void) {
        self.loop = loop
        self.log = log
        do {
            notifier = try ServiceNotifier()
        } catch {
            log("warning: \(error); systemd will not hear from bailiffd")
            notifier = nil
        }
        do {
            watchdog = try ServiceWatchdog.configured()
        } catch {
            log("warning: \(error); no watchdog pings")
            watchdog = nil
        }
    }

    var isEnabled: Bool { notifier?.isEnabled ?? false }

    func send(_ notifications: ServiceNotification...) {
        guard let notifier else { return }
        do {
            try notifier.notify(notifications)
        } catch {
            // Once: a service manager that went away would otherwise fill the log.
            if !warned { log("warning: \(error)") }
            warned = true
        }
    }

    /// Starts the watchdog pings at half the configured timeout.
    func startWatchdog() {
        guard let watchdog else { return }
        let (seconds, attoseconds) = watchdog.pingInterval.components
        let interval = Double(seconds) + Double(attoseconds) / 1e18
        send(.watchdog)
        scheduleWatchdog(every: interval)
    }

    private func scheduleWatchdog(every interval: Double) {
        loop.schedule(after: interval) { [weak self] in
            guard let self else { return }
            send(.watchdog)
            scheduleWatchdog(every: interval)
        }
    }
}
