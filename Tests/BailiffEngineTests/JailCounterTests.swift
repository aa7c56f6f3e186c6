import BailiffConfig
import BailiffFilter
import Testing
@testable import BailiffEngine

@Suite struct JailCounterTests {
    @Test func ignoredFailuresAreNotCounted() throws {
        let ignore = try IgnoreList(ignoreip: ["10.0.0.0/8"], ignoreself: nil)
        var counter = try JailCounter<Int>(maxretry: 1, findtime: 60, ignoreList: ignore)
        let byID = counter.count(id: "10.1.2.3", time: 5, evidence: 1)
        #expect(byID == .ignored(.ignoreip("10.0.0.0/8")))
        // An <F-ID> failure whose address is ignored.
        let byAddress = counter.count(id: "session-42", address: "10.9.9.9", time: 5, evidence: 2)
        #expect(byAddress == .ignored(.ignoreip("10.0.0.0/8")))
        #expect(counter.windows.idsTracked == 0)
        let other = counter.count(id: "192.0.2.1", time: 5, evidence: 3)
        #expect(other == .ban(BanDecision(id: "192.0.2.1", failures: 1, firstTime: 5, lastTime: 5, evidence: [3], trigger: 3)))
    }

    @Test func failuresWithoutTimeAreNotCounted() throws {
        var counter = try JailCounter<Int>(maxretry: 2, findtime: 60)
        let missing = counter.count(id: "192.0.2.1", time: nil, evidence: 1)
        let notANumber = counter.count(id: "192.0.2.1", time: .nan, evidence: 2)
        #expect(missing == .undated && notANumber == .undated)
        #expect(counter.windows.failuresHeld == 0)
    }

    @Test func attemptCountingFollowsTheChosenRule() throws {
        var fail2banLike = try JailCounter<Int>(maxretry: 3, findtime: 60)
        let once = fail2banLike.count(id: "192.0.2.1", time: 1, attempts: 3, evidence: 1)
        #expect(once == .counted)
        #expect(fail2banLike.windows.failuresHeld == 1)
        var perLine = try JailCounter<Int>(maxretry: 3, findtime: 60, attemptCounting: .perMatchedLine)
        let thrice = perLine.count(id: "192.0.2.1", time: 1, attempts: 3, evidence: 1)
        #expect(thrice == .ban(BanDecision(id: "192.0.2.1", failures: 3, firstTime: 1, lastTime: 1, evidence: [1], trigger: 1)))
    }

    @Test func countsFailuresFromARealFilter() throws {
        let filter = try FilterProcessor(
            definition: .literal(failregex: [#"^auth failure for \S+ from <HOST>$"#]), clock: { 1_700_000_000 })
        var counter = try JailCounter<Int>(maxretry: 3, findtime: 600, ignoreList: IgnoreList(ignoreip: ["::1"], ignoreself: nil))
        let lines = [
            "auth failure for root from 192.0.2.9",
            "auth failure for admin from 2001:DB8::9",
            "auth failure for root from ::1",
            "auth failure for bob from 192.0.2.9",
            "auth failure for root from 2001:db8:0::9",
            "auth failure for eve from 192.0.2.9",
        ]
        var outcomes: [CountOutcome<Int>] = []
        for (number, line) in lines.enumerated() {
            let failure = try #require(filter.process(line: line, time: 1_700_000_000 + Double(number)).failure)
            outcomes.append(counter.count(failure, evidence: number))
        }
        #expect(outcomes[2] == .ignored(.ignoreip("::1")))
        #expect(outcomes[5] == .ban(BanDecision(
            id: "192.0.2.9", failures: 3, firstTime: 1_700_000_000, lastTime: 1_700_000_005, evidence: [0, 3, 5], trigger: 5)))
        // Both spellings of the IPv6 address count for one id.
        #expect(counter.windows.heldFailures(of: "2001:db8::9").map(\.evidence) == [1, 4])
    }

    @Test func configuredJailSettingsAndReload() throws {
        let outcome = try TemporaryJails.load("""
            [DEFAULT]
            maxretry = 2
            findtime = 10m
            [good]
            enabled = true
            [bad]
            enabled = true
            findtime = -5
            """)
        var counter = try JailCounter<Int>(jail: outcome.jails[0], ignoreList: IgnoreList())
        #expect(counter.windows.maxretry == 2 && counter.windows.findtime == 600)
        #expect(throws: ConfigError.self) { try JailCounter<Int>(jail: outcome.jails[1], ignoreList: IgnoreList()) }

        let first = counter.count(id: "192.0.2.1", time: 0, evidence: 1)
        #expect(first == .counted)
        try counter.reconfigure(maxretry: 3, findtime: 600, ignoreList: IgnoreList())
        let second = counter.count(id: "192.0.2.1", time: 1, evidence: 2)
        let third = counter.count(id: "192.0.2.1", time: 2, evidence: 3)
        #expect(second == .counted)
        #expect(third == .ban(BanDecision(id: "192.0.2.1", failures: 3, firstTime: 0, lastTime: 2, evidence: [1, 2, 3], trigger: 3)))
    }
}
