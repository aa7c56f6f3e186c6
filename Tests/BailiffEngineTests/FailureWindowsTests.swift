import BailiffTestSupport
import Testing
@testable import BailiffEngine

@Suite struct FailureWindowsTests {
    @Test func exactlyMaxretryWithinFindtimeBans() throws {
        var windows = try FailureWindows<Int>(maxretry: 3, findtime: 600)
        #expect(windows.record(id: "192.0.2.1", time: 1000, evidence: 1) == nil)
        #expect(windows.record(id: "192.0.2.1", time: 1300, evidence: 2) == nil)
        // The third failure is exactly findtime after the first: the window is inclusive.
        let result = windows.record(id: "192.0.2.1", time: 1600, evidence: 3)
        let decision = try #require(result)
        #expect(decision == BanDecision(id: "192.0.2.1", failures: 3, firstTime: 1000, lastTime: 1600, evidence: [1, 2, 3], trigger: 3))
        #expect(windows.idsTracked == 0)
        #expect(windows.failuresHeld == 0)
    }

    @Test func failuresSpacedJustOverFindtimeNeverBan() throws {
        var windows = try FailureWindows<Int>(maxretry: 3, findtime: 600)
        for step in 0..<200 {
            #expect(windows.record(id: "a", time: Double(step) * 300.001, evidence: step) == nil)
        }
        var pairs = try FailureWindows<Int>(maxretry: 2, findtime: 600)
        for step in 0..<200 {
            #expect(pairs.record(id: "b", time: Double(step) * 600.000_1, evidence: step) == nil)
        }
        // The window still holds the newest failures, ready to decide.
        #expect(windows.heldFailures(of: "a").map(\.evidence) == [198, 199])
        #expect(windows.record(id: "a", time: 199 * 300.001 + 1, evidence: 200)?.evidence == [198, 199, 200])
    }

    @Test func lateFailureCountsByItsTime() throws {
        var windows = try FailureWindows<String>(maxretry: 3, findtime: 60)
        #expect(windows.record(id: "x", time: 100, evidence: "b") == nil)
        #expect(windows.record(id: "x", time: 110, evidence: "c") == nil)
        // Arrives last but happened first; 50..110 is within findtime.
        let result = windows.record(id: "x", time: 50, evidence: "a")
        let decision = try #require(result)
        #expect(decision.evidence == ["a", "b", "c"])
        #expect(decision.trigger == "a")
        #expect(decision.firstTime == 50 && decision.lastTime == 110)

        var spread = try FailureWindows<String>(maxretry: 3, findtime: 60)
        _ = spread.record(id: "y", time: 100, evidence: "a")
        _ = spread.record(id: "y", time: 200, evidence: "c")
        #expect(spread.record(id: "y", time: 150, evidence: "b") == nil)
        // Only the newest maxretry - 1 failures are kept, in time order.
        #expect(spread.heldFailures(of: "y").map(\.evidence) == ["b", "c"])
    }

    @Test func failuresOfEqualTimeKeepArrivalOrder() throws {
        var windows = try FailureWindows<Int>(maxretry: 3, findtime: 10)
        _ = windows.record(id: "x", time: 5, evidence: 1)
        _ = windows.record(id: "x", time: 5, evidence: 2)
        #expect(windows.record(id: "x", time: 5, evidence: 3)?.evidence == [1, 2, 3])
    }

    @Test func attemptsCountAsThatManyFailures() throws {
        var windows = try FailureWindows<Int>(maxretry: 5, findtime: 600)
        #expect(windows.record(id: "m", time: 0, attempts: 3, evidence: 1) == nil)
        #expect(windows.failuresHeld == 3)
        let result = windows.record(id: "m", time: 10, attempts: 2, evidence: 2)
        let decision = try #require(result)
        #expect(decision.failures == 5)
        #expect(decision.evidence == [1, 2])

        #expect(windows.record(id: "n", time: 0, attempts: 7, evidence: 3)?.failures == 7)
        // Zero or negative attempts still count as one failure.
        #expect(windows.record(id: "o", time: 0, attempts: 0, evidence: 4) == nil)
        #expect(windows.record(id: "o", time: 1, attempts: -3, evidence: 5) == nil)
        #expect(windows.failuresHeld == 2)
    }

    @Test func heavyFailureIsTrimmedToWhatCanStillMatter() throws {
        var windows = try FailureWindows<Int>(maxretry: 5, findtime: 10)
        _ = windows.record(id: "m", time: 0, attempts: 3, evidence: 1)
        _ = windows.record(id: "m", time: 100, attempts: 3, evidence: 2)
        // maxretry - 1 = 4 counted failures are kept, the newest first: 3 of the new one, 1 of the old.
        #expect(windows.heldFailures(of: "m") == [HeldFailure(time: 0, count: 1, evidence: 1), HeldFailure(time: 100, count: 3, evidence: 2)])
        _ = windows.record(id: "m", time: 200, attempts: 4, evidence: 3)
        #expect(windows.heldFailures(of: "m") == [HeldFailure(time: 200, count: 4, evidence: 3)])
        #expect(windows.failuresHeld == 4)
    }

    @Test func decisionClosesTheWindow() throws {
        var windows = try FailureWindows<Int>(maxretry: 2, findtime: 60)
        var decided: [Int] = []
        for (index, time) in [0.0, 1, 2, 3, 4].enumerated() {
            if let decision = windows.record(id: "d", time: time, evidence: index) { decided.append(decision.trigger) }
        }
        // The failures behind a decision are not counted again: 0+1, 2+3, then 4 alone.
        #expect(decided == [1, 3])
        #expect(windows.heldFailures(of: "d").map(\.evidence) == [4])
    }

    @Test func largeMaxretryGrowsItsWindowInPlace() throws {
        var windows = try FailureWindows<Int>(maxretry: 40, findtime: 1000)
        for index in 0..<39 {
            #expect(windows.record(id: "big", time: Double(index), evidence: index) == nil)
            // Another id growing at the same time shares the pools.
            _ = windows.record(id: "other", time: Double(index), evidence: 100 + index)
        }
        #expect(windows.failuresHeld == 78)
        let result = windows.record(id: "big", time: 39, evidence: 39)
        let decision = try #require(result)
        #expect(decision.evidence == Array(0..<40))
        #expect(windows.heldFailures(of: "other").map(\.evidence) == Array(100..<139))
    }

    @Test func purgeClosesOnlyExpiredWindows() throws {
        var windows = try FailureWindows<Int>(maxretry: 5, findtime: 600)
        _ = windows.record(id: "old", time: 100, evidence: 1)
        _ = windows.record(id: "moving", time: 0, evidence: 2)
        _ = windows.record(id: "moving", time: 1000, evidence: 3)
        // Cut-off 100: a failure at exactly now - findtime can still join one at now.
        #expect(windows.purgeExpired(now: 700) == 0)
        #expect(windows.purgeExpired(now: 700.5) == 1)
        #expect(windows.heldFailures(of: "old").isEmpty)
        // "moving" was queued with time 0 but has a newer failure: it stays.
        #expect(windows.purgeExpired(now: 1500) == 0)
        #expect(windows.idsTracked == 1)
        #expect(windows.failuresHeld == 2)
        #expect(windows.purgeExpired(now: 1600.5) == 1)
        #expect(windows.idsTracked == 0)
        #expect(windows.failuresHeld == 0)
        // A purged id starts again from nothing.
        #expect(windows.record(id: "old", time: 2000, evidence: 4) == nil)
        #expect(windows.heldFailures(of: "old").map(\.evidence) == [4])
    }

    @Test func changedParametersApplyAtTheNextFailure() throws {
        var windows = try FailureWindows<Int>(maxretry: 5, findtime: 600)
        for index in 0..<3 { _ = windows.record(id: "r", time: Double(index * 100), evidence: index) }
        try windows.changeParameters(maxretry: 3, findtime: 600)
        #expect(windows.idsTracked == 1)
        #expect(windows.failuresHeld == 3)
        // The held failures already reach the new maxretry; the new one is inside the same findtime.
        let result = windows.record(id: "r", time: 300, evidence: 3)
        let decision = try #require(result)
        #expect(decision.failures == 4)
        #expect(decision.evidence == [0, 1, 2, 3])

        for index in 0..<2 { _ = windows.record(id: "s", time: Double(index * 100), evidence: index) }
        try windows.changeParameters(maxretry: 3, findtime: 50)
        #expect(windows.record(id: "s", time: 200, evidence: 2) == nil)
        try windows.changeParameters(maxretry: 3, findtime: 150)
        #expect(windows.record(id: "s", time: 250, evidence: 3)?.evidence == [1, 2, 3])
        #expect(throws: WindowParameterError.self) { try windows.changeParameters(maxretry: 3, findtime: -1) }
        #expect(windows.findtime == 150)
    }

    @Test func badSettingsAndTimesAreRefused() throws {
        #expect(throws: WindowParameterError("findtime: expected a number of seconds, 0 or more, found -5.0")) {
            try FailureWindows<Int>(maxretry: 3, findtime: -5)
        }
        #expect(throws: WindowParameterError.self) { try FailureWindows<Int>(maxretry: 3, findtime: .nan) }
        var windows = try FailureWindows<Int>(maxretry: 0, findtime: 60)
        #expect(windows.maxretry == 1)
        #expect(windows.record(id: "z", time: .nan, evidence: 1) == nil)
        #expect(windows.record(id: "z", time: .infinity, evidence: 1) == nil)
        #expect(windows.idsTracked == 0)
        #expect(windows.record(id: "z", time: 5, evidence: 2)?.failures == 1)
    }

    @Test func forgetDropsOneWindow() throws {
        var windows = try FailureWindows<Int>(maxretry: 3, findtime: 60)
        _ = windows.record(id: "a", time: 1, evidence: 1)
        _ = windows.record(id: "b", time: 1, evidence: 2)
        let first = windows.forget(id: "a")
        let second = windows.forget(id: "a")
        #expect(first && !second)
        #expect(windows.idsTracked == 1)
        #expect(windows.failuresHeld == 1)
    }

    /// Random failures, late arrivals, weights and purges against a plain restatement of
    /// the documented rules, to check the packed storage and the expiry queue.
    @Test func packedStorageMatchesThePlainRules() throws {
        var random = SeededGenerator(seed: 42)
        let maxretry = 4
        let findtime = 50.0
        var windows = try FailureWindows<Int>(maxretry: maxretry, findtime: findtime)
        var plain: [String: [HeldFailure<Int>]] = [:]
        var clock = 0.0
        var decisions = 0
        var purged = 0
        for step in 0..<20_000 {
            clock += Double.random(in: 0...0.5, using: &random)
            let id = "id\(Int.random(in: 0..<150, using: &random))"
            let time = clock - Double.random(in: 0...20, using: &random)
            let attempts = Int.random(in: 0..<10, using: &random) == 0 ? Int.random(in: 2...5, using: &random) : 1
            let decision = windows.record(id: id, time: time, attempts: attempts, evidence: step)
            let expected = PlainWindow.record(&plain, id: id, failure: HeldFailure(time: time, count: attempts, evidence: step),
                                              maxretry: maxretry, findtime: findtime)
            #expect(decision == expected, "step \(step)")
            if decision != nil { decisions += 1 }
            if step % 97 == 0 {
                let now = clock - 20
                purged += windows.purgeExpired(now: now)
                plain = plain.filter { $0.value.last!.time >= now - findtime }
                #expect(windows.idsTracked == plain.count)
            }
            if step % 1000 == 0 {
                for (id, held) in plain { #expect(windows.heldFailures(of: id) == held) }
                #expect(windows.failuresHeld == plain.values.joined().reduce(0) { $0 + $1.count })
            }
        }
        // The input exercised both decisions and expiry.
        #expect(decisions > 1000)
        #expect(purged > 100)
    }
}

/// The window rules written out directly on arrays.
enum PlainWindow {
    static func record(
        _ windows: inout [String: [HeldFailure<Int>]], id: String, failure: HeldFailure<Int>, maxretry: Int, findtime: Double
    ) -> BanDecision<Int>? {
        var held = windows[id] ?? []
        let position = held.lastIndex { $0.time <= failure.time }.map { $0 + 1 } ?? 0
        held.insert(failure, at: position)
        for start in held.indices {
            var total = 0
            for end in start..<held.count {
                total += held[end].count
                guard total >= maxretry else { continue }
                guard held[end].time - held[start].time <= findtime else { break }
                let run = held[start...].prefix { $0.time - held[start].time <= findtime }
                windows[id] = nil
                return BanDecision(
                    id: id, failures: run.reduce(0) { $0 + $1.count }, firstTime: run.first!.time, lastTime: run.last!.time,
                    evidence: run.map(\.evidence), trigger: failure.evidence)
            }
        }
        var budget = maxretry - 1
        var kept: [HeldFailure<Int>] = []
        for var entry in held.reversed() where budget > 0 {
            entry.count = min(entry.count, budget)
            budget -= entry.count
            kept.insert(entry, at: 0)
        }
        windows[id] = kept
        return nil
    }
}
