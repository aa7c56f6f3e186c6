import BailiffControl
import BailiffTestSupport
import Foundation
import Glibc
import Testing

/// The audit trail bailiffd writes to a live journal: `journalctl BAILIFF_IP=...` explains a
/// ban down to the failure entries that caused it.
@Suite(.serialized, .enabled(if: getuid() == 0, "needs root for mount and network namespaces"))
struct LiveDaemonAuditTests {
    @Test func aBanIsExplainedByItsJournalEntryDownToTheFailures() throws {
        let banID = try LiveDaemonLab.catalogMessageID(subject: "bailiff banned")
        let unbanID = try LiveDaemonLab.catalogMessageID(subject: "bailiff unbanned")
        let startID = try LiveDaemonLab.catalogMessageID(subject: "bailiff started")
        let lab = try LiveDaemonLab(jailLocal: LiveDaemonClientTests.jailLocal())
        try lab.startDaemon()
        let attacker = "198.51.100.20"
        let bystander = "198.51.100.21"
        // Interleaved, so the cause cursors are not simply consecutive entries.
        try lab.fail([attacker, bystander, attacker, bystander, attacker])
        #expect(try eventually(seconds: 20) { try lab.bans()[attacker] != nil }, "log: \(lab.log)")

        let failures = try lab.waitForSshdEntries(5).filter { $0.message == LiveDaemonLab.failureLine(attacker) }
        #expect(failures.count == 3)
        var trail: [JournalRecord] = []
        #expect(try eventually(seconds: 10) {
            trail = try lab.journald.entries(["BAILIFF_IP=\(attacker)"])
            return !trail.isEmpty
        })
        #expect(trail.count == 1, "one entry for one ban: \(trail.map(\.fields))")
        let entry = try #require(trail.first)
        #expect(entry["MESSAGE_ID"] == banID)
        #expect(entry.message == "[sshd] Ban \(attacker)")
        #expect(entry["SYSLOG_IDENTIFIER"] == "bailiffd")
        #expect(entry["BAILIFF_EVENT"] == "ban")
        #expect(entry["BAILIFF_JAIL"] == "sshd")
        #expect(entry["BAILIFF_FAILURES"] == "3")
        #expect(entry["BAILIFF_BANTIME"] == "3600")
        #expect(entry["BAILIFF_BANCOUNT"] == "1")
        #expect(entry["BAILIFF_SOURCE"] == "journal")
        // The causes are the attacker's failure entries, oldest first; the last one triggered the ban.
        let causes = entry.values("BAILIFF_CAUSE_CURSOR")
        #expect(causes == failures.map(\.cursor))
        #expect(entry["BAILIFF_TRIGGER_CURSOR"] == failures.last?.cursor)
        // Each cursor is one journalctl --cursor away from its failure line.
        for cause in causes {
            let shown = try #require(try lab.journald.entries(["--cursor=\(cause)"]).first)
            #expect(shown.cursor == cause)
            #expect(shown.message == LiveDaemonLab.failureLine(attacker))
            #expect(shown["_COMM"] == "sshd" && shown["SYSLOG_IDENTIFIER"] == "sshd")
        }
        #expect(try lab.journald.entries(["BAILIFF_IP=\(bystander)"]).isEmpty, "one failure short: no ban, no audit")

        // By hand: a ban with no causes, and an unban.
        #expect(try lab.bailiff(["ban", "sshd", "203.0.113.60"]).status == 0)
        #expect(try lab.bailiff(["unban", attacker]).status == 0)
        var manual: [JournalRecord] = []
        var lifted: [JournalRecord] = []
        #expect(try eventually(seconds: 10) {
            manual = try lab.journald.entries(["BAILIFF_IP=203.0.113.60"])
            lifted = try lab.journald.entries(["BAILIFF_IP=\(attacker)", "MESSAGE_ID=\(unbanID)"])
            return !manual.isEmpty && !lifted.isEmpty
        })
        #expect(manual.count == 1 && manual.first?["MESSAGE_ID"] == banID && manual.first?["BAILIFF_SOURCE"] == "manual")
        #expect(manual.first?["BAILIFF_FAILURES"] == "0" && manual.first?.values("BAILIFF_CAUSE_CURSOR") == [])
        #expect(lifted.count == 1 && lifted.first?.message == "[sshd] Unban \(attacker)")
        let started = try lab.journald.entries(["MESSAGE_ID=\(startID)"])
        #expect(started.count == 1 && started.first?["BAILIFF_JAILS"] == "sshd")
        #expect(lab.stopDaemon() == 0)
    }
}
