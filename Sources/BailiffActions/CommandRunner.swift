import Glibc
import Subprocess

/// Runs action commands with `/bin/sh -c`, each in a process group of its own so that
/// a command still running at its time limit is stopped with everything it started
/// (SIGTERM, then SIGKILL after a grace period).
public struct CommandRunner: Sendable {
    /// Words put before `/bin/sh -c SCRIPT`, such as `["ip", "netns", "exec", "NAME"]`.
    public var launcher: [String]
    /// How long a command may run (fail2ban's action `timeout`).
    public var timeout: Duration
    /// Between SIGTERM and SIGKILL when the time limit is reached.
    public var terminationGrace: Duration
    /// Bytes of stdout kept; the rest is read and dropped.
    public var outputLimit: Int
    /// Bytes of stderr kept.
    public var errorLimit: Int

    public init(
        launcher: [String] = [], timeout: Duration = .seconds(60), terminationGrace: Duration = .seconds(2),
        outputLimit: Int = 1 << 20, errorLimit: Int = 64 << 10
    ) {
        self.launcher = launcher
        self.timeout = timeout
        self.terminationGrace = terminationGrace
        self.outputLimit = outputLimit
        self.errorLimit = errorLimit
    }

    public func run(_ script: String, input: [UInt8] = [], environment: [String: String] = [:]) async -> CommandResult {
        await run(RenderedCommand(script: script, environment: environment), input: input)
    }

    /// Runs the command to its end or its time limit. Never throws: a command that cannot
    /// start is reported in the result like one that fails.
    public func run(_ command: RenderedCommand, input: [UInt8] = [], outputLimit: Int? = nil) async -> CommandResult {
        let clock = ContinuousClock()
        let started = clock.now
        func finished(_ termination: CommandResult.Termination, _ captured: Captured = Captured()) -> CommandResult {
            CommandResult(
                script: command.script, termination: termination, standardOutput: captured.output,
                standardError: captured.error, outputTruncated: captured.truncated, elapsed: clock.now - started)
        }

        let inputDescriptor: Int32
        do throws(StandardInputFile.Failure) {
            inputDescriptor = try StandardInputFile.open(containing: input)
        } catch {
            return finished(.couldNotStart(error.message))
        }
        let words = launcher + ["/bin/sh", "-c", command.script]
        // `.init(stringLiteral:)` builds the FilePath without naming swift-system's module.
        let executable: Executable = words[0].contains("/") ? .path(.init(stringLiteral: words[0])) : .name(words[0])
        var overrides: [Environment.Key: String?] = [:]
        for (name, value) in command.environment {
            guard let key = Environment.Key(rawValue: name) else { continue }
            overrides[key] = value
        }
        var options = PlatformOptions()
        // A group of its own, so the time limit reaches the commands the shell starts.
        options.processGroupID = 0
        // When the calling task is cancelled.
        options.teardownSequence = [.send(signal: .terminate, toProcessGroup: true, allowedDurationToNextStep: terminationGrace)]

        let limits = Limits(
            deadline: started + timeout, grace: terminationGrace,
            output: outputLimit ?? self.outputLimit, error: errorLimit)
        do {
            let outcome = try await Subprocess.run(
                executable, arguments: Arguments(Array(words.dropFirst())), environment: .inherit.updating(overrides),
                platformOptions: options,
                input: .fileDescriptor(.init(rawValue: inputDescriptor), closeAfterSpawningProcess: true),
                output: .sequence, error: .sequence
            ) { execution in
                await CommandRunner.supervise(execution, limits: limits)
            }
            let captured = outcome.closureResult
            if captured.timedOut { return finished(.timedOut(timeout), captured) }
            switch outcome.terminationStatus {
            case .exited(let status): return finished(.exited(status), captured)
            case .signaled(let signal): return finished(.signaled(signal), captured)
            }
        } catch {
            return finished(.couldNotStart("\(words[0]): \(error)"))
        }
    }

    private typealias CommandExecution = Execution<FileDescriptorInput, SequenceOutput, SequenceOutput>

    struct Limits: Sendable {
        let deadline: ContinuousClock.Instant
        let grace: Duration
        let output: Int
        let error: Int
    }

    struct Captured: Sendable {
        var output: [UInt8] = []
        var error: [UInt8] = []
        var truncated = false
        var timedOut = false
    }

    private enum Event: Sendable {
        case output([UInt8], truncated: Bool)
        case error([UInt8], truncated: Bool)
        case watchdog(fired: Bool)
    }

    /// Reads stdout and stderr while a watchdog waits for the deadline; once both streams
    /// have ended, waits for the process itself (it may have closed them early).
    private static func supervise(_ execution: CommandExecution, limits: Limits) async -> Captured {
        await withTaskGroup(of: Event.self) { group in
            group.addTask {
                let (bytes, truncated) = await collect(execution.standardOutput, limit: limits.output)
                return .output(bytes, truncated: truncated)
            }
            group.addTask {
                let (bytes, truncated) = await collect(execution.standardError, limit: limits.error)
                return .error(bytes, truncated: truncated)
            }
            group.addTask {
                .watchdog(fired: await watch(execution, limits: limits))
            }
            var captured = Captured()
            var streamsOpen = 2
            while streamsOpen > 0, let event = await group.next() {
                switch event {
                case .output(let bytes, let truncated):
                    captured.output = bytes
                    captured.truncated = captured.truncated || truncated
                    streamsOpen -= 1
                case .error(let bytes, let truncated):
                    captured.error = bytes
                    captured.truncated = captured.truncated || truncated
                    streamsOpen -= 1
                case .watchdog(let fired):
                    captured.timedOut = fired
                }
            }
            await waitForExit(of: execution.processIdentifier.value)
            group.cancelAll()
            while let event = await group.next() {
                if case .watchdog(let fired) = event { captured.timedOut = captured.timedOut || fired }
            }
            return captured
        }
    }

    private static func collect(_ stream: SubprocessOutputSequence, limit: Int) async -> ([UInt8], Bool) {
        var bytes: [UInt8] = []
        var truncated = false
        do {
            for try await buffer in stream {
                buffer.withUnsafeBytes { raw in
                    let room = max(0, limit - bytes.count)
                    bytes.append(contentsOf: raw.prefix(room))
                    if raw.count > room { truncated = true }
                }
            }
        } catch {
            // A failed read ends the capture; the exit status still tells what happened.
        }
        return (bytes, truncated)
    }

    /// Sleeps until the deadline, then stops the process group: SIGTERM, and SIGKILL
    /// after the grace period (or as soon as the leader has gone, for what it left
    /// behind). Returns whether the deadline was reached.
    private static func watch(_ execution: CommandExecution, limits: Limits) async -> Bool {
        do {
            try await Task.sleep(until: limits.deadline, clock: .continuous)
        } catch {
            return false
        }
        try? execution.send(signal: .terminate, toProcessGroup: true)
        // Cancelled once the leader has exited: then SIGKILL goes out at once.
        try? await Task.sleep(for: limits.grace)
        try? execution.send(signal: .kill, toProcessGroup: true)
        return true
    }

    /// Polls (without reaping) until the child has exited; it normally has by the time its
    /// output streams end, so the first checks come quickly.
    private static func waitForExit(of pid: pid_t) async {
        var pause = Duration.microseconds(50)
        while !hasExited(pid) {
            try? await Task.sleep(for: pause)
            pause = min(pause * 2, .milliseconds(20))
        }
    }

    private static func hasExited(_ pid: pid_t) -> Bool {
        var info = siginfo_t()
        let status = waitid(P_PID, id_t(pid), &info, WEXITED | WNOHANG | WNOWAIT)
        if status != 0 { return errno != EINTR }
        return info.si_signo == SIGCHLD
    }
}
