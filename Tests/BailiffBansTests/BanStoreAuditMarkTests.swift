import BailiffBans
import Testing

/// A new ban is marked until its audit entry is known to be sent, so a start after a crash
/// can find the bans whose entry may be missing and rebuild it from what the store keeps.
@Suite struct BanStoreAuditMarkTests {
    let cause = BanCause(
        failureID: "192.0.2.1", triggerCursor: "s=1;i=3", failureCursors: ["s=1;i=1", "s=1;i=2", "s=1;i=3"], matchedLines: ["line"])

    @Test func newBansAreMarkedWithTheirCauseUntilCleared() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try openStore(directory)
        let first = makeBan("192.0.2.1", at: 1000)
        let second = makeBan("192.0.2.2", at: 1001)
        let third = makeBan("2001:db8::/64", jail: "nginx", at: 1002, number: 3, source: .manual)
        try store.add(first, cause: cause)
        try store.add(contentsOf: [(ban: third, cause: BanCause(failureID: "2001:db8::7")), (ban: second, cause: BanCause())])

        var awaiting = try store.bansAwaitingAudit()
        #expect(awaiting.map(\.ban) == [first, second, third], "oldest first")
        #expect(awaiting.map(\.cause) == [cause, BanCause(), BanCause(failureID: "2001:db8::7")])
        #expect(try store.cause(ofBan: "192.0.2.1", inJail: "sshd")?.failureID == "192.0.2.1")

        try store.clearAuditMarks([first, third])
        awaiting = try store.bansAwaitingAudit()
        #expect(awaiting.map(\.ban) == [second])
        // Clearing again, or the marks of bans not recorded, changes nothing.
        try store.clearAuditMarks([first, makeBan("192.0.2.9")])
        #expect(try store.bansAwaitingAudit().map(\.ban) == [second])
        try store.clearAuditMarks([second])
        #expect(try store.bansAwaitingAudit().isEmpty)
        try store.close()
    }

    @Test func onlyANewBanSetsTheMark() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try openStore(directory)
        let ban = makeBan("192.0.2.1", at: 1000, for: .seconds(600))
        try store.add(ban, cause: cause)
        try store.clearAuditMarks([ban])

        // A prolonged ban writes no audit entry, so it is not marked; its evidence is the new one.
        let longer = makeBan("192.0.2.1", at: 1100, for: .seconds(1200))
        let outcome = try store.add(longer, cause: BanCause(failureID: "192.0.2.1", triggerCursor: "later"))
        guard case .prolonged = outcome else {
            Issue.record("expected a prolonged ban, got \(outcome)")
            return
        }
        #expect(try store.bansAwaitingAudit().isEmpty)
        #expect(try store.cause(ofBan: "192.0.2.1", inJail: "sshd") == BanCause(failureID: "192.0.2.1", triggerCursor: "later"))
        #expect(try store.add(makeBan("192.0.2.1", at: 1200, for: .seconds(60))) == .alreadyCovered(longer))
        #expect(try store.bansAwaitingAudit().isEmpty)

        // After the ban ran out, the next one is new.
        let again = makeBan("192.0.2.1", at: 5000, number: 2)
        #expect(try store.add(again, cause: cause) == .added(again))
        #expect(try store.bansAwaitingAudit().map(\.ban) == [again])
        try store.close()
    }

    @Test func marksAreStoredWithTheirBanAndGoWithIt() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        // The first connection stays open, as after a crash: the next one reads what was committed.
        let crashed = try openStore(directory)
        try crashed.add(contentsOf: [(ban: makeBan("192.0.2.1"), cause: cause), (ban: makeBan("192.0.2.2"), cause: BanCause())])
        let store = try openStore(directory)
        let awaiting = try store.bansAwaitingAudit()
        #expect(awaiting.map(\.ban.target) == ["192.0.2.1", "192.0.2.2"])
        #expect(awaiting.first?.cause == cause)
        try store.remove("192.0.2.1", fromJail: "sshd")
        #expect(try store.bansAwaitingAudit().map(\.ban.target) == ["192.0.2.2"])
        try store.close()
        try crashed.close()
    }
}
