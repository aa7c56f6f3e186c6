import ArgumentParser
import BailiffControl
import Glibc

struct BannedCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "banned",
        abstract: "List the bans in force, in every jail or in one.",
        discussion: """
            One line per ban: the address or network, its jail, when it began (local time), \
            the time left ("permanent" for a ban that does not expire), how many times the \
            address has been banned in that jail, and the failures that led to this ban.

            \(ControlExit.help)
            """
    )

    @Argument(help: "List only this jail's bans.") var jail: String?
    @OptionGroup var control: ControlOptions

    func run() throws {
        let reply = try control.call(BailiffInterface.ListBans.self, .init(jail: jail))
        if control.json {
            try control.printJSON(reply)
        } else if reply.bans.isEmpty {
            print(jail.map { "no bans in force in \($0)" } ?? "no bans in force")
        } else {
            print(Self.table(reply.bans))
        }
    }

    static func table(_ bans: [BailiffInterface.ActiveBan]) -> String {
        var table = TextTable([
            .init("ADDRESS"), .init("JAIL"), .init("BANNED AT"), .init("TIME LEFT"),
            .init("BANS", .right), .init("FAILURES", .right),
        ])
        for ban in bans {
            let left = ban.secondsLeft ?? ban.expiresAt.map { max(0, $0 - Double(time(nil))) }
            table.append([
                ban.address, ban.jail, LocalTimeText.date(ban.bannedAt), DurationText.ban(left),
                "\(ban.banCount)", "\(ban.failures)",
            ])
        }
        return table.text
    }
}
