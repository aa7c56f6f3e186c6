import ArgumentParser
import BailiffControl

struct BanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ban",
        abstract: "Ban addresses in a jail by hand.",
        discussion: """
            Each ADDR is an IPv4 or IPv6 address or a network in CIDR notation \
            (192.0.2.7, 198.51.100.0/24, 2001:db8::/64). The ban lasts the jail's bantime and \
            runs the jail's actions, as an automatic ban does. Addresses already banned in the \
            jail are reported as such and left as they are.

            \(ControlExit.help)
            """
    )

    @Argument(help: "The jail to ban in.") var jail: String
    @Argument(help: ArgumentHelp("Addresses or networks to ban.", valueName: "addr")) var addresses: [String]
    @OptionGroup var control: ControlOptions

    func validate() throws {
        try AddressArguments.validate(addresses)
    }

    func run() throws {
        let reply = try control.call(BailiffInterface.Ban.self, .init(jail: jail, addresses: addresses))
        if control.json {
            try control.printJSON(reply)
            return
        }
        for address in reply.banned {
            print("banned \(address) in \(jail)")
        }
        for address in addresses where !reply.banned.contains(where: { AddressArguments.same($0, address) }) {
            print("\(address) was already banned in \(jail)")
        }
    }
}
