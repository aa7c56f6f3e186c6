import ArgumentParser

@main
struct Bailiff: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bailiff",
        abstract: "Control and inspect bailiff, the journald-native intrusion-prevention agent.",
        subcommands: [ConfigCommand.self, TestFilterCommand.self, ReplayCommand.self]
    )
}

/// Options shared by commands that read a configuration tree.
struct ConfigOptions: ParsableArguments {
    @Option(name: .long, help: "Configuration directory (fail2ban layout: jail.conf, filter.d/, action.d/).")
    var config: String = "/etc/bailiff"
}
