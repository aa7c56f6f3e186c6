import ArgumentParser
import Glibc

@main
struct Bailiff: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bailiff",
        abstract: "Control and inspect bailiff, the journald-native intrusion-prevention agent.",
        subcommands: [
            StatusCommand.self, BannedCommand.self, BanCommand.self, UnbanCommand.self, ReloadCommand.self,
            PingCommand.self, ConfigCommand.self, TestFilterCommand.self, ReplayCommand.self,
        ]
    )

    // Usage errors exit with 2, as documented, rather than ArgumentParser's EX_USAGE (64).
    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            guard exitCode(for: error) == .validationFailure else { exit(withError: error) }
            printError(fullMessage(for: error))
            Glibc.exit(ControlExit.usage.rawValue)
        }
    }
}

/// Options shared by commands that read a configuration tree.
struct ConfigOptions: ParsableArguments {
    @Option(name: .long, help: "Configuration directory (fail2ban layout: jail.conf, filter.d/, action.d/).")
    var config: String = "/etc/bailiff"
}
