@testable import BailiffBans
import Testing

func makeBan(
    _ target: String, jail: String = "sshd", at time: Double = 1000, for duration: BanDuration = .seconds(600),
    number: Int = 1, failures: Int = 5, source: BanSource = .journal
) -> Ban {
    Ban(jail: jail, target: target, bannedAt: time, duration: duration, banNumber: number, failures: failures, source: source)
}

/// Opens a store in `directory`, expecting a clean open.
func openStore(_ directory: TemporaryDirectory) throws -> BanStore {
    let opening = try BanStore.open(inDirectory: directory.path)
    #expect(opening.recovery == nil)
    return opening.store
}

@Suite struct BanStoreTests {
    @Test func newStoreIsCreatedWithItsDefaultNameAndDurableSettings() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try openStore(directory)
        #expect(store.path == directory.file("bans.sqlite3"))
        #expect(try store.pragmaValue("journal_mode") == "wal")
        // 2 is FULL: the log is flushed at every commit, so a ban survives a power cut.
        #expect(try store.pragmaValue("synchronous") == "2")
        #expect(try store.activeBans(at: 0).isEmpty)
        #expect(try store.nextExpiry() == nil)
        try store.close()
    }

    @Test func missingStateDirectoriesAreCreated() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let opening = try BanStore.open(inDirectory: directory.file("var/lib/bailiff"))
        try opening.store.add(makeBan("192.0.2.1"))
        #expect(try directory.names() == ["var"])
        try opening.store.close()
    }

    @Test func activeBansAreThoseNotExpiredSoonestFirstPermanentLast() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try openStore(directory)
        try store.add(makeBan("192.0.2.1", at: 1000, for: .seconds(600)))
        try store.add(makeBan("192.0.2.2", at: 1000, for: .permanent))
        try store.add(makeBan("192.0.2.3", at: 1000, for: .seconds(60)))
        try store.add(makeBan("2001:db8::/64", jail: "nginx", at: 1010, for: .seconds(300)))
        try store.add(makeBan("192.0.2.4", jail: "nginx", at: 900, for: .permanent))

        let all = try store.activeBans(at: 1001)
        #expect(all.map(\.target) == ["192.0.2.3", "2001:db8::/64", "192.0.2.1", "192.0.2.4", "192.0.2.2"])
        #expect(all.first?.expiresAt == 1060)
        #expect(all.last?.duration == .permanent)
        #expect(all.last?.expiresAt == nil)

        // At 1100 the 60 s ban is over.
        #expect(try store.activeBans(at: 1100).map(\.target) == ["2001:db8::/64", "192.0.2.1", "192.0.2.4", "192.0.2.2"])
        #expect(try store.activeBans(at: 1100, inJail: "nginx").map(\.target) == ["2001:db8::/64", "192.0.2.4"])
        #expect(try store.activeBan(of: "192.0.2.1", inJail: "sshd", at: 1599) != nil)
        #expect(try store.activeBan(of: "192.0.2.1", inJail: "sshd", at: 1600) == nil)
        #expect(try store.activeBan(of: "192.0.2.1", inJail: "nginx", at: 1000) == nil)
        try store.close()
    }

    @Test func addReportsTheBanAndKeepsEveryField() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try openStore(directory)
        let ban = makeBan("198.51.100.23", jail: "recidive", at: 1_700_000_000.25, for: .seconds(1.5), number: 4, failures: 9, source: .manual)
        #expect(try store.add(ban) == .added(ban))
        #expect(try store.activeBans(at: 1_700_000_000.5) == [ban])
        try store.close()
    }

    @Test func causeIsKeptWithTheBan() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try openStore(directory)
        let cause = BanCause(
            triggerCursor: "s=1;i=2a;b=3;m=4;t=5;x=6",
            failureCursors: ["s=1;i=28;b=3;m=1;t=1;x=1", "s=1;i=29;b=3;m=2;t=2;x=2", "s=1;i=2a;b=3;m=4;t=5;x=6"],
            matchedLines: [
                "Failed password for root from 192.0.2.1 port 22 ssh2", "a line\nwith a new line", #"back\slash \n literal"#,
                "", "nul\u{0}inside", "ünïcödé ✓",
            ])
        try store.add(makeBan("192.0.2.1"), cause: cause)
        try store.add(makeBan("192.0.2.2"))
        #expect(try store.cause(ofBan: "192.0.2.1", inJail: "sshd") == cause)
        #expect(try store.cause(ofBan: "192.0.2.2", inJail: "sshd") == BanCause())
        #expect(try store.cause(ofBan: "192.0.2.3", inJail: "sshd") == nil)
        try store.close()
    }

    @Test func rebanningWithALongerBanProlongsTheSameBan() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try openStore(directory)
        let first = makeBan("192.0.2.1", at: 1000, for: .seconds(600), number: 2, failures: 5)
        try store.add(first, cause: BanCause(triggerCursor: "first"))
        let second = makeBan("192.0.2.1", at: 1100, for: .seconds(1200), number: 3, failures: 7)
        let outcome = try store.add(second, cause: BanCause(triggerCursor: "second"))

        var expected = second
        expected.banNumber = 2
        #expect(outcome == .prolonged(previous: first, current: expected))
        #expect(try store.activeBans(at: 1100) == [expected])
        #expect(try store.activeBans(at: 1100).first?.expiresAt == 2300)
        #expect(try store.cause(ofBan: "192.0.2.1", inJail: "sshd")?.triggerCursor == "second")
        // Still one ban as far as escalation is concerned.
        #expect(try store.earlierBanCount(of: "192.0.2.1", inJail: "sshd") == 1)
        try store.close()
    }

    @Test func rebanningWithAShorterBanChangesNothing() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try openStore(directory)
        let long = makeBan("192.0.2.1", at: 1000, for: .seconds(3600))
        try store.add(long, cause: BanCause(triggerCursor: "long"))
        #expect(try store.add(makeBan("192.0.2.1", at: 1100, for: .seconds(60)), cause: BanCause(triggerCursor: "short")) == .alreadyCovered(long))
        let forever = makeBan("192.0.2.2", at: 1000, for: .permanent)
        try store.add(forever)
        #expect(try store.add(makeBan("192.0.2.2", at: 1100, for: .seconds(1e9))) == .alreadyCovered(forever))
        #expect(try store.activeBans(at: 1100) == [long, forever])
        #expect(try store.cause(ofBan: "192.0.2.1", inJail: "sshd")?.triggerCursor == "long")
        #expect(try store.earlierBanCount(of: "192.0.2.1", inJail: nil) == 1)
        try store.close()
    }

    @Test func aPermanentRebanProlongsATimedBan() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try openStore(directory)
        try store.add(makeBan("192.0.2.1", at: 1000, for: .seconds(600)))
        let outcome = try store.add(makeBan("192.0.2.1", at: 1200, for: .permanent, source: .manual))
        #expect(outcome.ban.duration == .permanent)
        #expect(try store.activeBans(at: 1_000_000).map(\.source) == [.manual])
        #expect(try store.nextExpiry() == nil)
        // A permanent history entry is never purged while its ban is recorded.
        #expect(try store.purgeHistory(olderThan: 1, at: 1_000_000) == 0)
        #expect(try store.earlierBanCount(of: "192.0.2.1", inJail: "sshd") == 1)
        try store.close()
    }

    @Test func rebanningAfterTheBanExpiredIsANewBan() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try openStore(directory)
        try store.add(makeBan("192.0.2.1", at: 1000, for: .seconds(600)))
        let again = makeBan("192.0.2.1", at: 2000, for: .seconds(1200), number: 2)
        #expect(try store.add(again) == .added(again))
        #expect(try store.activeBans(at: 2000) == [again])
        #expect(try store.expiredBans(at: 2000).isEmpty)
        #expect(try store.earlierBanCount(of: "192.0.2.1", inJail: "sshd") == 2)
        try store.close()
    }

    @Test func sameTargetInTwoJailsIsTwoBans() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try openStore(directory)
        #expect(try store.add(makeBan("192.0.2.1", jail: "sshd")) == .added(makeBan("192.0.2.1", jail: "sshd")))
        #expect(try store.add(makeBan("192.0.2.1", jail: "nginx")) == .added(makeBan("192.0.2.1", jail: "nginx")))
        #expect(try store.activeBans(at: 1000).count == 2)
        try store.close()
    }

    @Test func manyBansGoInOneTransaction() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try openStore(directory)
        var batch = (0..<500).map { index in
            (ban: makeBan("10.0.\(index / 256).\(index % 256)", at: 1000 + Double(index), for: .seconds(600)),
             cause: BanCause(triggerCursor: "cursor-\(index)"))
        }
        // A repeat inside the batch is handled like a repeated add.
        batch.append((ban: makeBan("10.0.0.0", at: 1001, for: .seconds(60)), cause: BanCause()))
        let outcomes = try store.add(contentsOf: batch)
        #expect(outcomes.count == 501)
        #expect(outcomes.dropLast().allSatisfy { if case .added = $0 { true } else { false } })
        #expect(outcomes.last == .alreadyCovered(batch[0].ban))
        let active = try store.activeBans(at: 1000)
        #expect(active.count == 500)
        #expect(active.map(\.expiresAt) == (0..<500).map { 1600 + Double($0) })
        #expect(try store.cause(ofBan: "10.0.1.243", inJail: "sshd")?.triggerCursor == "cursor-499")
        #expect(try store.add(contentsOf: []).isEmpty)
        try store.close()
    }

    @Test func removingReturnsWhatWasLifted() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try openStore(directory)
        for target in ["192.0.2.1", "192.0.2.2", "192.0.2.3", "192.0.2.4"] {
            try store.add(makeBan(target, jail: "sshd", at: 1000, for: .seconds(600)))
        }
        try store.add(makeBan("192.0.2.1", jail: "nginx", at: 1000, for: .seconds(900)))
        try store.add(makeBan("192.0.2.9", jail: "nginx", at: 1000, for: .permanent))

        #expect(try store.remove("192.0.2.1", fromJail: "sshd") == makeBan("192.0.2.1"))
        #expect(try store.remove("192.0.2.1", fromJail: "sshd") == nil)
        #expect(try store.remove(["192.0.2.2", "192.0.2.7", "192.0.2.3"], fromJail: "sshd").map(\.target) == ["192.0.2.2", "192.0.2.3"])
        #expect(try store.activeBans(at: 1000).map { "\($0.jail) \($0.target)" } == ["sshd 192.0.2.4", "nginx 192.0.2.1", "nginx 192.0.2.9"])

        #expect(try store.removeAll(inJail: "nginx").map(\.target) == ["192.0.2.1", "192.0.2.9"])
        #expect(try store.removeAll(inJail: "nginx").isEmpty)
        #expect(try store.activeBans(at: 1000).map(\.target) == ["192.0.2.4"])

        try store.add(makeBan("192.0.2.4", jail: "recidive", at: 1000, for: .seconds(60)))
        #expect(try store.removeFromAllJails("192.0.2.4").map(\.jail) == ["recidive", "sshd"])
        #expect(try store.activeBans(at: 1000).isEmpty)
        try store.close()
    }

    @Test func expiredBansAndNextExpiry() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try openStore(directory)
        try store.add(makeBan("192.0.2.1", at: 1000, for: .seconds(300)))
        try store.add(makeBan("192.0.2.2", at: 1000, for: .seconds(100)))
        try store.add(makeBan("192.0.2.3", at: 1000, for: .permanent))
        try store.add(makeBan("192.0.2.4", jail: "nginx", at: 1000, for: .seconds(200)))

        #expect(try store.nextExpiry() == 1100)
        #expect(try store.expiredBans(at: 1099).isEmpty)
        // A ban ends at its expiry: expired at exactly that time, no longer active.
        #expect(try store.expiredBans(at: 1100).map(\.target) == ["192.0.2.2"])
        #expect(try store.activeBan(of: "192.0.2.2", inJail: "sshd", at: 1100) == nil)
        #expect(try store.expiredBans(at: 5000).map(\.target) == ["192.0.2.2", "192.0.2.4", "192.0.2.1"])
        // Expired bans stay recorded (and due) until they are lifted.
        #expect(try store.nextExpiry() == 1100)
        for ban in try store.expiredBans(at: 5000) { try store.remove(ban.target, fromJail: ban.jail) }
        #expect(try store.expiredBans(at: 5000).isEmpty)
        #expect(try store.nextExpiry() == nil)
        #expect(try store.activeBans(at: 5000).map(\.target) == ["192.0.2.3"])
        try store.close()
    }

    @Test func historyCountsEarlierBansPerJailOrInAllJails() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try openStore(directory)
        try store.add(makeBan("192.0.2.1", jail: "sshd", at: 1000, for: .seconds(10)))
        try store.add(makeBan("192.0.2.1", jail: "sshd", at: 2000, for: .seconds(10)))
        try store.add(makeBan("192.0.2.1", jail: "nginx", at: 3000, for: .seconds(10)))
        try store.add(makeBan("192.0.2.2", jail: "sshd", at: 3000, for: .seconds(10)))

        #expect(try store.earlierBanCount(of: "192.0.2.1", inJail: "sshd") == 2)
        #expect(try store.earlierBanCount(of: "192.0.2.1", inJail: "nginx") == 1)
        #expect(try store.earlierBanCount(of: "192.0.2.1", inJail: nil) == 3)
        #expect(try store.earlierBanCount(of: "192.0.2.1", inJail: nil, since: 2000) == 2)
        #expect(try store.earlierBanCount(of: "192.0.2.1", inJail: "sshd", since: 2001) == 0)
        #expect(try store.earlierBanCount(of: "192.0.2.3", inJail: nil) == 0)

        // Lifting a ban does not erase the offence.
        try store.removeFromAllJails("192.0.2.1")
        #expect(try store.earlierBanCount(of: "192.0.2.1", inJail: nil) == 3)
        try store.close()
    }

    @Test func purgeForgetsOldHistoryButNeverRecordedBans() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try openStore(directory)
        let day = 86_400.0
        let now = 10 * day
        // Ended 3 days ago and lifted: forgotten.
        try store.add(makeBan("192.0.2.1", at: now - 4 * day, for: .seconds(day)))
        try store.remove("192.0.2.1", fromJail: "sshd")
        // Started long ago but ended 1 hour ago: still counts.
        try store.add(makeBan("192.0.2.2", at: now - 8 * day, for: .seconds(8 * day - 3600)))
        try store.remove("192.0.2.2", fromJail: "sshd")
        // Old, but still recorded as banned (expired, not yet lifted): kept.
        try store.add(makeBan("192.0.2.3", at: now - 5 * day, for: .seconds(60)))
        // Old permanent ban still in force: kept.
        try store.add(makeBan("192.0.2.4", at: now - 9 * day, for: .permanent))
        // Recent: kept.
        try store.add(makeBan("192.0.2.5", at: now - 600, for: .seconds(60)))
        try store.remove("192.0.2.5", fromJail: "sshd")

        #expect(try store.purgeHistory(at: now) == 1)
        #expect(try store.earlierBanCount(of: "192.0.2.1", inJail: nil) == 0)
        for kept in ["192.0.2.2", "192.0.2.3", "192.0.2.4", "192.0.2.5"] {
            #expect(try store.earlierBanCount(of: kept, inJail: nil) == 1, "\(kept)")
        }
        #expect(try store.purgeHistory(at: now) == 0)
        // A shorter age reaches the ban that ended an hour ago, and no recorded ban.
        #expect(try store.purgeHistory(olderThan: 1800, at: now) == 1)
        #expect(try store.earlierBanCount(of: "192.0.2.2", inJail: nil) == 0)
        #expect(try store.earlierBanCount(of: "192.0.2.3", inJail: nil) == 1)
        #expect(try store.earlierBanCount(of: "192.0.2.4", inJail: nil) == 1)
        #expect(try store.activeBans(at: now).map(\.target) == ["192.0.2.4"])
        try store.close()
    }

    @Test func reopeningKeepsBansCausesAndHistory() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let cause = BanCause(triggerCursor: "t", failureCursors: ["a", "b"], matchedLines: ["line"])
        do {
            let store = try openStore(directory)
            try store.add(makeBan("192.0.2.1", at: 1000, for: .seconds(600)), cause: cause)
            try store.add(makeBan("2001:db8::/64", jail: "nginx", at: 1000, for: .permanent))
            try store.add(makeBan("192.0.2.2", at: 900, for: .seconds(10)))
            try store.remove("192.0.2.2", fromJail: "sshd")
            try store.close()
        }
        let store = try openStore(directory)
        #expect(try store.activeBans(at: 1000) == [
            makeBan("192.0.2.1", at: 1000, for: .seconds(600)), makeBan("2001:db8::/64", jail: "nginx", at: 1000, for: .permanent),
        ])
        #expect(try store.cause(ofBan: "192.0.2.1", inJail: "sshd") == cause)
        #expect(try store.earlierBanCount(of: "192.0.2.2", inJail: "sshd") == 1)
        try store.close()
    }

    @Test func reopeningWithoutClosingKeepsEveryCommittedBan() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        // The first store is never closed, as after a crash: its commits live in the
        // write-ahead log, which the next open must read.
        let first = try openStore(directory)
        try first.add(makeBan("192.0.2.1"))
        let second = try openStore(directory)
        #expect(try second.activeBans(at: 1000).map(\.target) == ["192.0.2.1"])
        try second.add(makeBan("192.0.2.2"))
        #expect(try first.activeBans(at: 1000).map(\.target) == ["192.0.2.1", "192.0.2.2"])
        try first.close()
        try second.close()
    }

    @Test(.enabled(if: SQLiteShell.isAvailable, "needs the sqlite3 shell"))
    func anotherProcessSeesABanAsSoonAsAddReturns() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try openStore(directory)
        try store.add(makeBan("203.0.113.7", at: 1000, for: .seconds(600)))
        let seen = try SQLiteShell.run(store.path, "SELECT jail, target, expires_at FROM active_bans;")
        #expect(seen == "sshd|203.0.113.7|1600.0\n")
        try store.add(contentsOf: [(ban: makeBan("203.0.113.8"), cause: BanCause()), (ban: makeBan("203.0.113.9"), cause: BanCause())])
        #expect(try SQLiteShell.run(store.path, "SELECT COUNT(*) FROM active_bans;") == "3\n")
        try store.close()
    }

    @Test func restoringActiveBansDoesNotCountAsNewBans() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        do {
            let store = try openStore(directory)
            try store.add(makeBan("192.0.2.1", jail: "sshd", at: 1000, for: .seconds(600)))
            try store.add(makeBan("192.0.2.1", jail: "nginx", at: 1000, for: .seconds(60)))
            try store.add(makeBan("192.0.2.2", jail: "sshd", at: 1000, for: .permanent))
            try store.close()
        }
        for _ in 0..<3 {
            let store = try openStore(directory)
            // What the daemon does at start: load what is in force and what is due.
            #expect(try store.activeBans(at: 1100).count == 2)
            #expect(try store.expiredBans(at: 1100).count == 1)
            #expect(try store.earlierBanCount(of: "192.0.2.1", inJail: "sshd") == 1)
            #expect(try store.earlierBanCount(of: "192.0.2.1", inJail: nil) == 2)
            #expect(try store.earlierBanCount(of: "192.0.2.2", inJail: nil) == 1)
            try store.close()
        }
    }

    @Test func operationsAfterCloseFailWithThePath() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try openStore(directory)
        try store.close()
        let error = #expect(throws: BanStoreError.self) { try store.add(makeBan("192.0.2.1")) }
        #expect(error?.description.contains(directory.file("bans.sqlite3")) == true)
    }
}
