import BailiffTestSupport
import Testing
@testable import BailiffEngine

/// A restart rebuilds the windows by replaying recent failures with decisions discarded.
/// These tests check that the decisions after the restart are exactly those of a run that
/// never stopped, and which replay makes that so.
@Suite struct ResumeTests {
    struct GeneratedFailure {
        var id: String
        var time: Double
        var attempts: Int
        /// Arrival order; the evidence the decisions carry.
        var position: Int
    }

    static let maxretry = 4
    static let findtime = 300.0
    /// No failure is older than this much before the latest one that arrived before it.
    static let lateness = 20.0

    /// Thousands of failures from a few busy hosts and many occasional ones, arriving
    /// slightly out of time order.
    static func generate(count: Int, seed: UInt64) -> [GeneratedFailure] {
        var random = SeededGenerator(seed: seed)
        var clock = 1_700_000_000.0
        return (0..<count).map { position in
            clock += Double.random(in: 0...1, using: &random)
            let busy = Bool.random(using: &random)
            let host = busy ? "198.51.100.\(Int.random(in: 1...12, using: &random))" : "203.0.\(Int.random(in: 0...3, using: &random)).\(Int.random(in: 1...250, using: &random))"
            let attempts = Int.random(in: 0..<10, using: &random) == 0 ? 2 : 1
            return GeneratedFailure(id: host, time: clock - Double.random(in: 0...lateness, using: &random), attempts: attempts, position: position)
        }
    }

    /// Feeds failures in arrival order, purging as a daemon would, and returns the decisions.
    static func feed(_ failures: some Sequence<GeneratedFailure>, into windows: inout FailureWindows<Int>) -> [BanDecision<Int>] {
        var decisions: [BanDecision<Int>] = []
        var latest = -Double.infinity
        for failure in failures {
            latest = max(latest, failure.time)
            if let decision = windows.record(id: failure.id, time: failure.time, attempts: failure.attempts, evidence: failure.position) {
                decisions.append(decision)
            }
            // Nothing still to come is older than latest - lateness.
            if failure.position % 64 == 0 { windows.purgeExpired(now: latest - lateness) }
        }
        return decisions
    }

    /// The failures a restart at `cut` replays: those since `start`, without the ones each
    /// id already spent on its last decision before the cut (when `skipSpent`).
    static func replay(_ failures: [GeneratedFailure], cut: Int, start: Double, decisions: [BanDecision<Int>], skipSpent: Bool) -> [GeneratedFailure] {
        var lastTrigger: [String: Int] = [:]
        if skipSpent {
            for decision in decisions where decision.trigger < cut { lastTrigger[decision.id] = decision.trigger }
        }
        return failures[..<cut].filter { $0.time >= start && $0.position > lastTrigger[$0.id, default: -1] }
    }

    @Test func resumedRunDecidesExactlyLikeAnUninterruptedOne() throws {
        let failures = ResumeTests.generate(count: 12_000, seed: 2024)
        var whole = try FailureWindows<Int>(maxretry: ResumeTests.maxretry, findtime: ResumeTests.findtime)
        let decisions = ResumeTests.feed(failures, into: &whole)
        #expect(decisions.count > 500)

        var naiveMismatches = 0
        for cut in stride(from: 1, to: failures.count, by: 397) {
            let latestBeforeCut = failures[..<cut].map(\.time).max()!
            let expected = decisions.filter { $0.trigger >= cut }

            var resumed = try FailureWindows<Int>(maxretry: ResumeTests.maxretry, findtime: ResumeTests.findtime)
            let start = latestBeforeCut - ResumeTests.lateness - ResumeTests.findtime
            // Warm-up: the same counting, decisions discarded.
            _ = ResumeTests.feed(ResumeTests.replay(failures, cut: cut, start: start, decisions: decisions, skipSpent: true), into: &resumed)
            let after = ResumeTests.feed(failures[cut...], into: &resumed)
            #expect(after == expected, "cut at \(cut)")

            var naive = try FailureWindows<Int>(maxretry: ResumeTests.maxretry, findtime: ResumeTests.findtime)
            let naiveStart = latestBeforeCut - ResumeTests.findtime
            _ = ResumeTests.feed(ResumeTests.replay(failures, cut: cut, start: naiveStart, decisions: decisions, skipSpent: false), into: &naive)
            if ResumeTests.feed(failures[cut...], into: &naive) != expected { naiveMismatches += 1 }
        }
        // Replaying findtime alone, without skipping spent failures, is not exact.
        #expect(naiveMismatches > 0)
    }

    @Test func replayingFindtimeAloneRegroupsSpentFailures() throws {
        let times = [0.0, 5, 9, 12, 14, 16]
        let failures = times.enumerated().map { GeneratedFailure(id: "a", time: $0.element, attempts: 1, position: $0.offset) }
        let cut = 5
        var whole = try FailureWindows<Int>(maxretry: 3, findtime: 10)
        let decisions = ResumeTests.feed(failures, into: &whole)
        // 0, 5, 9 ban; then 12, 14, 16 ban.
        #expect(decisions.map(\.trigger) == [2, 5])

        // From 14 - 10 = 4 the replay sees 5, 9, 12 as one window and leaves only 14.
        var naive = try FailureWindows<Int>(maxretry: 3, findtime: 10)
        _ = ResumeTests.feed(ResumeTests.replay(failures, cut: cut, start: 4, decisions: decisions, skipSpent: false), into: &naive)
        #expect(naive.heldFailures(of: "a").map(\.evidence) == [4])
        #expect(ResumeTests.feed(failures[cut...], into: &naive).isEmpty)

        // Skipping what the decision at position 2 spent gives back 12, 14.
        var exact = try FailureWindows<Int>(maxretry: 3, findtime: 10)
        _ = ResumeTests.feed(ResumeTests.replay(failures, cut: cut, start: 4, decisions: decisions, skipSpent: true), into: &exact)
        #expect(exact.heldFailures(of: "a").map(\.evidence) == [3, 4])
        #expect(ResumeTests.feed(failures[cut...], into: &exact).map(\.trigger) == [5])
    }
}
