import ArgumentParser
import BailiffControl

struct ReloadCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reload",
        abstract: "Make the daemon read its configuration again, or check a configuration tree.",
        discussion: """
            The daemon applies a new configuration whole or not at all: when it has errors, \
            the running configuration stays and the reason is printed.

            With --check nothing is sent to the daemon: the tree in --config is validated here, \
            as 'bailiff config check' does, and the exit status is 1 when it has errors.

            \(ControlExit.help)
            """
    )

    @Flag(help: "Only validate the configuration tree here; do not contact the daemon.") var check = false
    // Not ConfigOptions: its default would hide whether --config was given without --check.
    @Option(help: ArgumentHelp("With --check: the configuration directory to validate (default: /etc/bailiff).", valueName: "dir"))
    var config: String?
    @OptionGroup var control: ControlOptions

    func validate() throws {
        if config != nil, !check {
            throw ValidationError("--config goes with --check; the daemon reloads the configuration it was started with")
        }
        if check, control.json { throw ValidationError("--json does not apply to --check") }
    }

    func run() throws {
        if check {
            let command = try ConfigCommand.Check.parse(["--config=\(config ?? "/etc/bailiff")"])
            try command.run()
            return
        }
        let reply = try control.call(BailiffInterface.Reload.self, VarlinkEmpty())
        if control.json {
            try control.printJSON(reply)
        } else if reply.jails.isEmpty {
            print("reloaded; no jails running")
        } else {
            print("reloaded; \(reply.jails.count) \(reply.jails.count == 1 ? "jail" : "jails") running: \(reply.jails.joined(separator: ", "))")
        }
    }
}
