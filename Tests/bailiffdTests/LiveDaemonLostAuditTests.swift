import BailiffBans
import BailiffTestSupport
import Foundation
import Glibc
import Testing

/// A kill between storing a ban and sending its audit entry (or between sending it and noting
/// that in the store) leaves the ban marked in the store. At the next start bailiffd asks the
/// journal which marked bans have their entry, and writes the others: each ban gets one entry.
@Suite(.serialized, .enabled(if: getuid() == 0, "needs root for mount and network namespaces"))
struct LiveDaemonLostAuditTests {
    static let sqlite3 = ["/usr/bin/sqlite3", "/bin/sqlite3"].first { FileManager.default.isExecutableFile(atPath: $0) } ?? "sqlite3"

    /// The bans of `lab`'s store still awaiting their audit entry.
    static func awaitingAudit(_ lab: LiveDaemonLab) throws -> [(ban: Ban, cause: BanCause)] {
        let store = try BanStore.open(inDirectory: lab.state).store
        defer { try? store.close() }
        return try store.bansAwaitingAudit()
    }

    /// Lines of the daemon's log that say it could not ask the journal.
    static func uncheckedWarnings(_ lab: LiveDaemonLab) -> [Substring] {
        lab.log.split(separator: "\n").filter { $0.contains("without checking") || $0.contains("did not show in the journal") }
    }

    @Test func aBanWhoseEntryNeverReachedTheJournalGetsItOnceAtTheNextStart() throws {
        let banID = try LiveDaemonLab.catalogMessageID(subject: "bailiff banned")
        let restoreID = try LiveDaemonLab.catalogMessageID(subject: "bailiff restored")
        let lab = try LiveDaemonLab(jailLocal: LiveDaemonClientTests.jailLocal())
        let now = Date().timeIntervalSince1970
        // What the store holds after a kill right after the commit: two marked bans, one
        // in force and one whose time ran out while the daemon was down.
        let lost = Ban(jail: "sshd", target: "198.51.100.40", bannedAt: now - 30, duration: .seconds(3600), banNumber: 2, failures: 3)
        let lostCause = BanCause(
            failureID: "198.51.100.40", triggerCursor: "s=5e1f;i=3;b=77;m=3;t=3;x=3",
            failureCursors: ["s=5e1f;i=1;b=77;m=1;t=1;x=1", "s=5e1f;i=2;b=77;m=2;t=2;x=2", "s=5e1f;i=3;b=77;m=3;t=3;x=3"])
        let lapsed = Ban(jail: "sshd", target: "198.51.100.41", bannedAt: now - 7200, duration: .seconds(3600), failures: 3)
        do {
            let store = try BanStore.open(inDirectory: lab.state).store
            try store.add(contentsOf: [(ban: lost, cause: lostCause), (ban: lapsed, cause: BanCause(failureID: lapsed.target))])
            try store.close()
        }
        #expect(try Self.awaitingAudit(lab).count == 2)

        try lab.startDaemon()
        var audits: [JournalRecord] = []
        #expect(try eventually(seconds: 10) {
            audits = try lab.journald.entries(["MESSAGE_ID=\(banID)"])
            return audits.count >= 2
        }, "log: \(lab.log)")
        #expect(audits.count == 2)
        let entry = try #require(audits.first { $0["BAILIFF_IP"] == lost.target })
        #expect(entry.message == "[sshd] Ban 198.51.100.40")
        #expect(entry["BAILIFF_EVENT"] == "ban" && entry["SYSLOG_IDENTIFIER"] == "bailiffd")
        #expect(entry["BAILIFF_JAIL"] == "sshd" && entry["BAILIFF_FAILURES"] == "3" && entry["BAILIFF_BANTIME"] == "3600")
        #expect(entry["BAILIFF_BANCOUNT"] == "2" && entry["BAILIFF_SOURCE"] == "journal")
        #expect(entry["BAILIFF_FID"] == lostCause.failureID)
        #expect(entry["BAILIFF_TRIGGER_CURSOR"] == lostCause.triggerCursor)
        #expect(entry.values("BAILIFF_CAUSE_CURSOR") == lostCause.failureCursors)
        // The lapsed ban's entry comes before the one of its expiry, which lifted it.
        var lapsedTrail: [String] = []
        #expect(try eventually(seconds: 10) {
            lapsedTrail = try lab.journald.entries(["BAILIFF_IP=\(lapsed.target)"]).map(\.message)
            return lapsedTrail.count >= 2
        })
        #expect(lapsedTrail == ["[sshd] Ban 198.51.100.41", "[sshd] Unban (expired) 198.51.100.41"])
        #expect(lab.log.contains("wrote 2 ban audit entries lost in a crash"), "log: \(lab.log)")
        #expect(Self.uncheckedWarnings(lab).isEmpty, "log: \(lab.log)")
        #expect(eventually(seconds: 10) { lab.nftablesBans() == [lost.target] })
        #expect(lab.stopDaemon() == 0, "log: \(lab.log)")
        #expect(try Self.awaitingAudit(lab).isEmpty)

        // The next start finds the entry in the journal and writes none. Its restore entry is
        // sent after any ban entry it would write, so once that shows, such an entry would too.
        try lab.startDaemon()
        #expect(try eventually(seconds: 10) {
            try lab.journald.entries(["MESSAGE_ID=\(restoreID)", "BAILIFF_IP=\(lost.target)"]).count >= 2
        }, "log: \(lab.log)")
        #expect(try lab.journald.entries(["MESSAGE_ID=\(banID)"]).count == 2)
        #expect(lab.occurrences(of: "lost in a crash", in: lab.log) == 1)
        #expect(lab.stopDaemon() == 0, "log: \(lab.log)")
    }

    @Test func aBanWhoseEntryReachedTheJournalBeforeTheKillIsNotWrittenAgain() throws {
        let banID = try LiveDaemonLab.catalogMessageID(subject: "bailiff banned")
        let restoreID = try LiveDaemonLab.catalogMessageID(subject: "bailiff restored")
        let lab = try LiveDaemonLab(jailLocal: LiveDaemonClientTests.jailLocal())
        try lab.startDaemon()
        let attacker = "198.51.100.50"
        try lab.fail([attacker, attacker, attacker])
        let banEntries = { try lab.journald.entries(["MESSAGE_ID=\(banID)", "BAILIFF_IP=\(attacker)"]) }
        #expect(try eventually(seconds: 20) { try banEntries().count == 1 }, "log: \(lab.log)")
        #expect(lab.stopDaemon() == 0, "log: \(lab.log)")
        // Sent, so no longer marked.
        #expect(try Self.awaitingAudit(lab).isEmpty)

        // The state a kill right after sending leaves: the entry in the journal, the mark still set.
        try Subprocess.run([Self.sqlite3, lab.state + "/" + BanStore.defaultFileName, "UPDATE active_bans SET audit_pending = 1;"])
        let marked = try Self.awaitingAudit(lab)
        #expect(marked.map(\.ban.target) == [attacker])
        #expect(marked.first?.cause.failureID == attacker)
        #expect(marked.first?.cause.failureCursors == (try lab.sshdEntries().map(\.cursor)))

        try lab.startDaemon()
        #expect(try eventually(seconds: 10) {
            try lab.journald.entries(["MESSAGE_ID=\(restoreID)", "BAILIFF_IP=\(attacker)"]).count == 1
        }, "log: \(lab.log)")
        #expect(try banEntries().count == 1)
        #expect(!lab.log.contains("lost in a crash"), "log: \(lab.log)")
        #expect(Self.uncheckedWarnings(lab).isEmpty, "log: \(lab.log)")
        #expect(lab.stopDaemon() == 0, "log: \(lab.log)")
        #expect(try Self.awaitingAudit(lab).isEmpty)
    }
}
