/// How a command ended and what it printed.
public struct CommandResult: Sendable {
    public enum Termination: Sendable, Hashable, CustomStringConvertible {
        case exited(Int32)
        case signaled(Int32)
        /// Still running at the time limit; its process group was killed.
        case timedOut(Duration)
        /// The process could not be created (missing launcher, no memory...).
        case couldNotStart(String)

        public var description: String {
            switch self {
            case .exited(let status): return "exit status \(status)"
            case .signaled(let signal): return "killed by signal \(signal)"
            case .timedOut(let limit): return "still running after \(CommandResult.seconds(limit)), killed"
            case .couldNotStart(let reason): return "could not start: \(reason)"
            }
        }
    }

    /// The script that ran (for logs).
    public var script: String
    public var termination: Termination
    public var standardOutput: [UInt8]
    public var standardError: [UInt8]
    /// Output past the runner's limits was read and dropped.
    public var outputTruncated: Bool
    public var elapsed: Duration

    public var succeeded: Bool { termination == .exited(0) }

    public var outputText: String { String(decoding: standardOutput, as: UTF8.self) }
    public var errorText: String { String(decoding: standardError, as: UTF8.self) }

    /// The failure to report when the command did not succeed.
    public var failure: CommandFailure? {
        succeeded ? nil : CommandFailure(script: script, termination: termination, standardError: errorText)
    }

    static func seconds(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        let milliseconds = attoseconds / 1_000_000_000_000_000
        return milliseconds == 0 ? "\(seconds) s" : "\(seconds).\(String(milliseconds + 1000).dropFirst()) s"
    }
}
