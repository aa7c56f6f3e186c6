import ArgumentParser
import BailiffControl

struct PingCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ping",
        abstract: "Check that the daemon is running and its event loop answers.",
        discussion: ControlExit.help
    )

    @OptionGroup var control: ControlOptions

    func run() throws {
        let clock = ContinuousClock()
        let start = clock.now
        let reply = try control.call(BailiffInterface.Ping.self, VarlinkEmpty())
        let elapsed = clock.now - start
        if control.json {
            try control.printJSON(reply)
        } else {
            let milliseconds = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
            print("bailiffd answered on \(control.socketPath) in \(NumberText.oneDecimal(milliseconds)) ms")
        }
    }
}
