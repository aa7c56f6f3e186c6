import ArgumentParser
import BailiffControl

struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show the daemon's status, or one jail's.",
        discussion: """
            Without JAIL: the daemon's version and uptime, how far it has read the journal, and \
            one line per enabled jail with its counters and ban rule. With JAIL: that jail in \
            detail, its actions included.

            \(ControlExit.help)
            """
    )

    @Argument(help: "Show only this jail, in detail.") var jail: String?
    @OptionGroup var control: ControlOptions

    func run() throws {
        let reply = try control.call(BailiffInterface.GetStatus.self, .init(jail: jail))
        if control.json {
            try control.printJSON(reply)
        } else if jail != nil {
            print(reply.status.jails.map(Self.details).joined(separator: "\n\n"))
        } else {
            print(Self.overview(reply.status))
        }
    }

    static func overview(_ status: BailiffInterface.Status) -> String {
        let journal = status.journal
        var lines = [
            "bailiffd \(status.version), up \(DurationText.seconds(status.uptime))",
            TextTable.pairs([
                ("journal", "\(journal.source), \(journal.entriesRead) entries read, \(NumberText.oneDecimal(journal.entriesPerSecond)) per second"),
                ("cursor", journal.cursor ?? "none yet"),
            ]),
            "",
        ]
        let enabled = status.jails.filter(\.enabled)
        if enabled.isEmpty {
            lines.append("no jails enabled")
        } else {
            var table = TextTable([
                .init("JAIL"), .init("FILTER"), .init("FAILING", .right), .init("FAILURES", .right),
                .init("BANNED", .right), .init("TOTAL BANS", .right), .init("MAXRETRY", .right),
                .init("FINDTIME"), .init("BANTIME"),
            ])
            for jail in enabled {
                table.append([
                    jail.name, jail.filter, "\(jail.currentlyFailing)", "\(jail.failuresCounted)",
                    "\(jail.activeBans)", "\(jail.totalBans)", "\(jail.maxRetry)",
                    DurationText.seconds(jail.findTime), DurationText.ban(jail.banTime),
                ])
            }
            lines.append(table.text)
        }
        let disabled = status.jails.filter { !$0.enabled }.map(\.name)
        if !disabled.isEmpty {
            lines.append("")
            lines.append("disabled: \(disabled.joined(separator: ", "))")
        }
        return lines.joined(separator: "\n")
    }

    static func details(_ jail: BailiffInterface.JailStatus) -> String {
        TextTable.pairs([
            ("jail", jail.name),
            ("enabled", jail.enabled ? "yes" : "no"),
            ("filter", jail.filter),
            ("actions", jail.actions.isEmpty ? "none" : jail.actions.joined(separator: ", ")),
            ("maxretry", "\(jail.maxRetry) failures within \(DurationText.seconds(jail.findTime))"),
            ("bantime", DurationText.ban(jail.banTime)),
            ("failing now", "\(jail.currentlyFailing)"),
            ("banned now", "\(jail.activeBans)"),
            ("failures counted", "\(jail.failuresCounted)"),
            ("bans made", "\(jail.totalBans)"),
        ])
    }
}
