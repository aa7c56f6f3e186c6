import ArgumentParser
import BailiffControl
import Glibc

/// How to reach the daemon, for the commands that talk to it.
struct ControlOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "The daemon's control socket (default: $BAILIFF_SOCKET if set, else \(BailiffInterface.defaultSocketPath)).",
            valueName: "path"))
    var socket: String?

    @Flag(help: "Print the daemon's reply as JSON (pretty-printed, keys sorted), for scripts.")
    var json = false

    // A restart under socket activation accepts the connection at once and answers when
    // the new process is up, which can take a while.
    @Option(help: ArgumentHelp("Seconds to wait for the daemon to accept and answer the call.", valueName: "seconds"))
    var timeout: Double = 30

    func validate() throws {
        guard timeout.isFinite, timeout > 0 else {
            throw ValidationError("--timeout must be a positive number of seconds")
        }
        if socket?.isEmpty == true { throw ValidationError("--socket needs a path") }
    }

    /// The socket used: `--socket`, else `$BAILIFF_SOCKET`, else the usual path.
    var socketPath: String {
        if let socket { return socket }
        if let variable = getenv("BAILIFF_SOCKET"), variable.pointee != 0 { return String(cString: variable) }
        return BailiffInterface.defaultSocketPath
    }

    /// Calls `method` once on a fresh connection. Any failure is reported on standard error
    /// in one sentence and ends the command with its exit code.
    func call<M: VarlinkMethod>(_ method: M.Type, _ parameters: M.Parameters) throws -> M.Reply {
        let path = socketPath
        do throws(VarlinkClientError) {
            let client = try VarlinkClient(path: path, timeout: .seconds(timeout))
            return try client.call(method, parameters)
        } catch {
            let failure = ControlFailure(error, timeoutSeconds: timeout)
            printError("bailiff: \(failure.message)")
            throw failure.exitCode
        }
    }

    /// Prints `value` as the JSON the `--json` flag promises.
    func printJSON<Value: Encodable>(_ value: Value) throws {
        print(try JSONOutput.text(value))
    }
}
