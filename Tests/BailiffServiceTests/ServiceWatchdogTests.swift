import BailiffService
import Glibc
import Testing

/// Reading the watchdog as sd_watchdog_enabled does, and timing its pings.
@Suite struct ServiceWatchdogTests {
    @Test func readsTheTimeoutForThisProcess() throws {
        let watchdog = try ServiceWatchdog.configured(environment: ["WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "4242"], processID: 4242)
        #expect(watchdog == ServiceWatchdog(timeout: .seconds(30)))
        #expect(watchdog?.pingInterval == .seconds(15))
    }

    @Test func withoutAPidTheWatchdogIsOurs() throws {
        #expect(try ServiceWatchdog.configured(environment: ["WATCHDOG_USEC": "1000"], processID: 1)?.timeout == .milliseconds(1))
    }

    @Test func noWatchdogOrAnotherProcesss() throws {
        #expect(try ServiceWatchdog.configured(environment: [:], processID: 4242) == nil)
        #expect(try ServiceWatchdog.configured(environment: ["WATCHDOG_PID": "4242"], processID: 4242) == nil)
        #expect(try ServiceWatchdog.configured(environment: ["WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "4243"], processID: 4242) == nil)
    }

    @Test(arguments: ["", "abc", "-5", " 5", "5s", "0", "18446744073709551615", "99999999999999999999"])
    func garbageTimeoutIsAnError(value: String) {
        #expect(throws: ServiceEnvironmentError.invalidValue(variable: "WATCHDOG_USEC", value: value, expected: "a positive number of microseconds")) {
            try ServiceWatchdog.configured(environment: ["WATCHDOG_USEC": value], processID: 1)
        }
    }

    @Test(arguments: ["", "0", "pid", "-1", "4294967296"])
    func garbagePidIsAnError(value: String) {
        #expect(throws: ServiceEnvironmentError.invalidValue(variable: "WATCHDOG_PID", value: value, expected: "a process ID")) {
            try ServiceWatchdog.configured(environment: ["WATCHDOG_USEC": "1000000", "WATCHDOG_PID": value], processID: 1)
        }
    }

    @Test func readsTheRealEnvironmentByDefault() throws {
        // Whatever this process was started with, it parses the same as when passed explicitly.
        let environment = ProcessEnvironment.current()
        #expect((try? ServiceWatchdog.configured()) == (try? ServiceWatchdog.configured(environment: environment, processID: getpid())))
    }

    @Test func scheduleIsDueAtOnceThenEveryInterval() {
        let start = ContinuousClock.now
        var schedule = WatchdogSchedule(watchdog: ServiceWatchdog(timeout: .seconds(20)), now: start)
        #expect(schedule.interval == .seconds(10))
        #expect(schedule.isDue(now: start))
        #expect(schedule.timeUntilDue(now: start) == .zero)
        schedule.pinged(at: start + .seconds(1))
        #expect(!schedule.isDue(now: start + .seconds(10)))
        #expect(schedule.timeUntilDue(now: start + .seconds(4)) == .seconds(7))
        #expect(schedule.isDue(now: start + .seconds(11)))
        #expect(schedule.timeUntilDue(now: start + .seconds(30)) == .zero)
    }
}
