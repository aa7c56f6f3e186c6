import BailiffControl
import BailiffTestSupport
import Foundation
import Glibc
import Testing

/// The `bailiff` command-line client against bailiffd reading a live journald (LiveDaemonLab):
/// every command, its output and its exit status.
@Suite(.serialized, .enabled(if: getuid() == 0, "needs root for mount and network namespaces"))
struct LiveDaemonClientTests {
    static func jailLocal(maxretry: String = "3") -> String {
        """
        [DEFAULT]
        banaction = nftables
        bantime = 1h
        findtime = 1h
        [sshd]
        enabled = true
        ignoreself = false
        maxretry = \(maxretry)

        """
    }

    static func decode<Value: Decodable>(_ type: Value.Type, _ outcome: Subprocess.Outcome) throws -> Value {
        try JSONDecoder().decode(type, from: Data(outcome.standardOutput.utf8))
    }

    /// The whitespace-separated columns of the first output line starting with `first`.
    static func row(_ first: String, in output: String) -> [String] {
        output.split(separator: "\n").map { $0.split(separator: " ").map(String.init) }.first { $0.first == first } ?? []
    }

    @Test func everyClientCommandAgainstALiveDaemon() throws {
        let lab = try LiveDaemonLab(jailLocal: Self.jailLocal())
        try lab.startDaemon()
        let attacker = "198.51.100.10"
        let oneShort = "198.51.100.11"
        try lab.fail([attacker, oneShort, attacker, oneShort, attacker])

        // banned: the attacker, once it reached maxretry; not the address one failure short.
        var listed = BailiffInterface.ListBans.Reply(bans: [])
        #expect(try eventually(seconds: 20) {
            let outcome = try lab.bailiff(["banned", "--json"])
            guard outcome.status == 0 else { return false }
            listed = try Self.decode(BailiffInterface.ListBans.Reply.self, outcome)
            return !listed.bans.isEmpty
        }, "log: \(lab.log)")
        let ban = try #require(listed.bans.first)
        #expect(listed.bans.map(\.address) == [attacker])
        #expect(ban.jail == "sshd" && ban.failures == 3 && ban.banCount == 1)
        #expect((3500...3600).contains(ban.secondsLeft ?? 0), "a 1h ban just made: \(ban)")
        let bannedText = try lab.bailiff(["banned"])
        #expect(bannedText.status == 0)
        #expect(bannedText.standardOutput.hasPrefix("ADDRESS"), "\(bannedText)")
        let bannedRow = Self.row(attacker, in: bannedText.standardOutput)
        #expect(bannedRow.count >= 4 && bannedRow[1] == "sshd" && bannedRow.suffix(2) == ["1", "3"], "\(bannedText)")
        #expect(eventually(seconds: 10) { lab.nftablesBans() == [attacker] })
        #expect(try lab.waitUntilCaughtUp())

        // status: the jail and its counters, in JSON and as a table.
        let statusJSON = try lab.bailiff(["status", "--json"])
        #expect(statusJSON.status == 0, "\(statusJSON)")
        let status = try Self.decode(BailiffInterface.GetStatus.Reply.self, statusJSON).status
        let sshd = try #require(status.jails.first)
        #expect(status.jails.map(\.name) == ["sshd"])
        #expect(sshd.failuresCounted == 5)
        #expect(sshd.currentlyFailing == 1, "the ban closed the attacker's window; \(oneShort) is still failing")
        #expect(sshd.activeBans == 1 && sshd.totalBans == 1)
        #expect(sshd.maxRetry == 3 && sshd.findTime == 3600 && sshd.banTime == 3600)
        #expect(sshd.actions == ["nftables"])
        #expect(status.journal.source == "the system journal")
        #expect(status.journal.entriesRead == 5)
        #expect(status.journal.cursor == (try lab.sshdEntries().last?.cursor))
        let statusText = try lab.bailiff(["status"])
        #expect(statusText.status == 0)
        #expect(statusText.standardOutput.contains("the system journal, 5 entries read"), "\(statusText)")
        // JAIL FILTER FAILING FAILURES BANNED TOTAL-BANS MAXRETRY FINDTIME BANTIME
        #expect(Self.row("sshd", in: statusText.standardOutput) == ["sshd", "sshd[mode=normal]", "1", "5", "1", "1", "3", "1h", "1h"], "\(statusText)")
        let details = try lab.bailiff(["status", "sshd"])
        #expect(details.status == 0)
        #expect(details.standardOutput.contains("3 failures within 1h"), "\(details)")
        let unknownJail = try lab.bailiff(["status", "ftp"])
        #expect(unknownJail.status == 1 && unknownJail.standardError.contains("ftp"), "\(unknownJail)")

        // ban and unban by hand reach the kernel's sets.
        let manual = try lab.bailiff(["ban", "sshd", "203.0.113.50", "2001:db8::50"])
        #expect(manual.status == 0, "\(manual)")
        #expect(manual.standardOutput == "banned 203.0.113.50 in sshd\nbanned 2001:db8::50 in sshd\n", "\(manual)")
        #expect(eventually(seconds: 10) { lab.nftablesBans() == [attacker, "203.0.113.50", "2001:db8::50"] }, "\(lab.nftablesBans())")
        let again = try lab.bailiff(["ban", "sshd", "203.0.113.50"])
        #expect(again.status == 0 && again.standardOutput == "203.0.113.50 was already banned in sshd\n", "\(again)")
        let manualRow = Self.row("203.0.113.50", in: try lab.bailiff(["banned"]).standardOutput)
        #expect(manualRow.suffix(2) == ["1", "0"], "a ban by hand follows no failure: \(manualRow)")
        let unban = try lab.bailiff(["unban", "203.0.113.50"])
        #expect(unban.status == 0 && unban.standardOutput == "unbanned 203.0.113.50\n", "\(unban)")
        #expect(eventually(seconds: 10) { lab.nftablesBans() == [attacker, "2001:db8::50"] }, "\(lab.nftablesBans())")
        let notBanned = try lab.bailiff(["unban", "203.0.113.50"])
        #expect(notBanned.status == 0 && notBanned.standardOutput == "203.0.113.50 was not banned\n", "\(notBanned)")
        let noJail = try lab.bailiff(["ban", "ftp", "203.0.113.51"])
        #expect(noJail.status == 1 && noJail.standardError.contains("ftp"), "\(noJail)")
        let badAddress = try lab.bailiff(["ban", "sshd", "203.0.113.256"])
        #expect(badAddress.status == 2, "\(badAddress)")

        // reload: a good configuration applies; a broken jail.local is refused whole.
        let reload = try lab.bailiff(["reload"])
        #expect(reload.status == 0 && reload.standardOutput == "reloaded; 1 jail running: sshd\n", "\(reload)")
        try writeFile(lab.config + "/jail.local", Self.jailLocal(maxretry: "three"))
        let broken = try lab.bailiff(["reload"])
        #expect(broken.status == 1, "\(broken)")
        #expect(broken.standardError.contains("jail.local") && broken.standardError.contains("maxretry"), "the message names the file and the option: \(broken)")
        let afterBroken = try lab.bailiff(["status", "--json"])
        #expect(afterBroken.status == 0, "\(afterBroken)")
        #expect(try Self.decode(BailiffInterface.GetStatus.Reply.self, afterBroken).status.jails.map(\.maxRetry) == [3], "the running configuration stays")
        #expect(lab.nftablesBans() == [attacker, "2001:db8::50"])
        try writeFile(lab.config + "/jail.local", Self.jailLocal(maxretry: "4"))
        #expect(try lab.bailiff(["reload"]).status == 0)
        #expect(try lab.status().jails.map(\.maxRetry) == [4])

        // ping.
        let ping = try lab.bailiff(["ping"])
        #expect(ping.status == 0 && ping.standardOutput.hasPrefix("bailiffd answered on \(lab.socket) in "), "\(ping)")

        // unban --all empties the sets; once stopped, the daemon is reported unreachable.
        let all = try lab.bailiff(["unban", "--all", "--jail", "sshd"])
        #expect(all.status == 0 && Set(all.standardOutput.split(separator: "\n")) == ["unbanned \(attacker) in sshd", "unbanned 2001:db8::50 in sshd"], "\(all)")
        #expect(eventually(seconds: 10) { lab.nftablesBans().isEmpty })
        #expect(lab.stopDaemon() == 0, "log: \(lab.log)")
        let gone = try lab.bailiff(["ping"])
        #expect(gone.status == 3 && gone.standardError.contains("not running"), "\(gone)")
    }
}
