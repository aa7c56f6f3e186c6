import BailiffService
import BailiffTestSupport
import Glibc
import Testing

/// The exact datagrams the service manager receives.
@Suite struct ServiceNotifierTests {
    @Test func sendsEachNotificationAsSystemdExpectsIt() throws {
        let directory = makeTemporaryDirectory()
        defer { removeDirectory(directory) }
        let listener = NotifySocketListener(path: "\(directory)/notify")
        let notifier = try ServiceNotifier(environment: ["NOTIFY_SOCKET": listener.notifySocket])
        #expect(notifier.isEnabled)
        let expected: [(ServiceNotification, String)] = [
            (.ready, "READY=1"),
            (.reloading(monotonicMicroseconds: 123_456_789), "RELOADING=1\nMONOTONIC_USEC=123456789"),
            (.stopping, "STOPPING=1"),
            (.status("Watching 3 jails"), "STATUS=Watching 3 jails"),
            (.status("two\nlines\r\n"), "STATUS=two lines"),
            (.watchdog, "WATCHDOG=1"),
            (.extendTimeout(.seconds(90)), "EXTEND_TIMEOUT_USEC=90000000"),
            (.extendTimeout(.milliseconds(1500)), "EXTEND_TIMEOUT_USEC=1500000"),
            (.errno(EINVAL), "ERRNO=22"),
        ]
        for (notification, text) in expected {
            try notifier.notify(notification)
            #expect(listener.receive() == text)
        }
    }

    @Test func sendsSeveralNotificationsAsOneMessage() throws {
        let directory = makeTemporaryDirectory()
        defer { removeDirectory(directory) }
        let listener = NotifySocketListener(path: "\(directory)/notify")
        let notifier = try ServiceNotifier(environment: ["NOTIFY_SOCKET": listener.notifySocket])
        try notifier.notify(.ready, .status("Watching 3 jails"))
        #expect(listener.receive() == "READY=1\nSTATUS=Watching 3 jails")
    }

    @Test func reloadIsStampedWithTheMonotonicClock() throws {
        let directory = makeTemporaryDirectory()
        defer { removeDirectory(directory) }
        let listener = NotifySocketListener(path: "\(directory)/notify")
        let notifier = try ServiceNotifier(environment: ["NOTIFY_SOCKET": listener.notifySocket])
        let before = monotonicMicroseconds()
        try notifier.notify(.reloadingNow())
        let after = monotonicMicroseconds()
        let lines = try #require(listener.receive()).split(separator: "\n")
        #expect(lines.first == "RELOADING=1")
        let stamp = try #require(lines.last.flatMap { UInt64($0.dropFirst("MONOTONIC_USEC=".count)) })
        #expect(lines.last?.hasPrefix("MONOTONIC_USEC=") == true)
        #expect(before <= stamp && stamp <= after)
    }

    @Test func reachesAnAbstractSocket() throws {
        let name = "bailiff-test-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let listener = NotifySocketListener(path: name, abstract: true)
        #expect(listener.notifySocket.hasPrefix("@"))
        let notifier = try ServiceNotifier(environment: ["NOTIFY_SOCKET": listener.notifySocket])
        for _ in 0..<3 {
            try notifier.notify(.watchdog)
            #expect(listener.receive() == "WATCHDOG=1")
        }
    }

    @Test func doesNothingWithoutAServiceManager() throws {
        for environment in [[:], ["NOTIFY_SOCKET": ""]] {
            let notifier = try ServiceNotifier(environment: environment)
            #expect(!notifier.isEnabled)
            try notifier.notify(.ready, .status("nobody listens"))
        }
    }

    @Test func refusesAddressesItCannotReach() {
        for address in ["vsock:2:1234", "relative/notify", "@", "/" + String(repeating: "x", count: 200)] {
            #expect(throws: ServiceNotifierError.unsupportedAddress(address)) {
                try ServiceNotifier(environment: ["NOTIFY_SOCKET": address])
            }
        }
    }

    @Test func reportsAManagerThatIsGone() throws {
        let directory = makeTemporaryDirectory()
        defer { removeDirectory(directory) }
        let notifier = try ServiceNotifier(environment: ["NOTIFY_SOCKET": "\(directory)/gone"])
        #expect(throws: ServiceNotifierError.self) { try notifier.notify(.watchdog) }
    }

    @Test func leavesTheEnvironmentAlone() throws {
        let environment = ProcessEnvironment.current()
        _ = try ServiceNotifier()
        #expect(ProcessEnvironment.current()["NOTIFY_SOCKET"] == environment["NOTIFY_SOCKET"])
    }

    private func monotonicMicroseconds() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return UInt64(now.tv_sec) * 1_000_000 + UInt64(now.tv_nsec) / 1_000
    }
}
