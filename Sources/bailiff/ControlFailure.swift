import ArgumentParser
import BailiffControl
import Glibc

/// Exit statuses of the commands that talk to the daemon. Usage errors exit with 2.
enum ControlExit {
    /// The daemon answered the call with an error.
    static let daemonError = ExitCode(1)
    static let usage = ExitCode(2)
    /// The daemon could not be reached, or stopped answering.
    static let unreachable = ExitCode(3)

    /// The paragraph each command's help ends with.
    static let help = """
        Exit status: 0 on success; 1 when the daemon answers with an error (such as an \
        unknown jail or an invalid address); 2 on a usage error; 3 when the daemon cannot \
        be reached (not running, permission denied on the socket, or no answer in time).
        """
}

/// A failed call, as one sentence for standard error and an exit status.
struct ControlFailure {
    var message: String
    var exitCode: ExitCode

    init(_ error: VarlinkClientError, timeoutSeconds: Double) {
        switch error {
        case .noSocket(let path):
            self.init("the daemon is not running (no control socket at \(path))", ControlExit.unreachable)
        case .notListening(let path):
            self.init("the daemon is not running (nothing is listening on \(path))", ControlExit.unreachable)
        case .permissionDenied(let path):
            self.init("permission denied opening the control socket \(path) (it is for root only)", ControlExit.unreachable)
        case .pathTooLong(let path):
            self.init("the socket path \(path) is too long for a unix socket", ControlExit.unreachable)
        case .timedOut(let path, _):
            self.init(
                "the daemon did not answer on \(path) within \(DurationText.seconds(timeoutSeconds)) (see --timeout)",
                ControlExit.unreachable)
        case .connectionClosed(let path):
            self.init("the daemon closed the connection on \(path) without answering (did it stop?)", ControlExit.unreachable)
        case .failed(let path, let action, let code):
            self.init("\(action) \(path) failed: \(String(cString: strerror(code)))", ControlExit.unreachable)
        case .replyTooLarge, .malformedReply, .unencodableCall:
            self.init("\(error) (are bailiff and bailiffd the same version?)", ControlExit.daemonError)
        case .remote(let remote):
            self.init(Self.sentence(for: remote), ControlExit.daemonError)
        }
    }

    private init(_ message: String, _ exitCode: ExitCode) {
        self.message = message
        self.exitCode = exitCode
    }

    private static func sentence(for error: VarlinkError) -> String {
        if let known = BailiffInterface.CallError(error) { return known.description }
        switch error.name {
        case "org.varlink.service.MethodNotFound", "org.varlink.service.MethodNotImplemented",
            "org.varlink.service.InterfaceNotFound":
            return "the daemon does not support this command (\(error)); is it an older version?"
        case "org.varlink.service.PermissionDenied":
            return "the daemon refused the call: permission denied"
        default:
            return "the daemon answered with an error: \(error)"
        }
    }
}
