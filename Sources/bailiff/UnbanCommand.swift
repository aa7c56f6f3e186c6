import ArgumentParser
import BailiffControl

struct UnbanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "unban",
        abstract: "Lift bans: of the given addresses, or every ban with --all.",
        usage: """
            bailiff unban [--jail <jail>] <addr> ...
            bailiff unban --all [--jail <jail>]
            """,
        discussion: """
            Without --jail the addresses are unbanned in every jail. Addresses that were not \
            banned are reported as such; that is not an error.

            \(ControlExit.help)
            """
    )

    @Option(help: "Unban only in this jail.") var jail: String?
    @Flag(help: "Lift every ban (in the jail given with --jail, else in all jails).") var all = false
    @Argument(help: ArgumentHelp("Addresses or networks to unban.", valueName: "addr")) var addresses: [String] = []
    @OptionGroup var control: ControlOptions

    func validate() throws {
        if all, !addresses.isEmpty { throw ValidationError("give addresses or --all, not both") }
        if !all, addresses.isEmpty { throw ValidationError("give the addresses to unban, or --all") }
        try AddressArguments.validate(addresses)
    }

    func run() throws {
        let parameters = all
            ? BailiffInterface.Unban.Parameters(jail: jail, all: true)
            : BailiffInterface.Unban.Parameters(jail: jail, addresses: addresses)
        let reply = try control.call(BailiffInterface.Unban.self, parameters)
        if control.json {
            try control.printJSON(reply)
            return
        }
        let place = jail.map { " in \($0)" } ?? ""
        for address in reply.unbanned {
            print("unbanned \(address)\(place)")
        }
        if all, reply.unbanned.isEmpty {
            print("nothing was banned\(place)")
        }
        for address in addresses where !reply.unbanned.contains(where: { AddressArguments.same($0, address) }) {
            print("\(address) was not banned\(place)")
        }
    }
}
