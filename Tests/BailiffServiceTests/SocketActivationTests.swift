import BailiffService
import Foundation
import Glibc
import Testing

/// Socket activation as sd_listen_fds_with_names reads it.
@Suite struct SocketActivationTests {
    @Test func namedSocketsForThisProcess() throws {
        let environment = ["LISTEN_PID": "777", "LISTEN_FDS": "2", "LISTEN_FDNAMES": "varlink:metrics"]
        #expect(try SocketActivation.passedSockets(environment: environment, processID: 777) == [
            ActivatedSocket(descriptor: 3, name: "varlink"), ActivatedSocket(descriptor: 4, name: "metrics"),
        ])
    }

    @Test func unnamedSocketsAreUnknown() throws {
        let sockets = try SocketActivation.passedSockets(environment: ["LISTEN_PID": "777", "LISTEN_FDS": "3"], processID: 777)
        #expect(sockets.map(\.descriptor) == [3, 4, 5])
        #expect(sockets.allSatisfy { $0.name == "unknown" })
    }

    @Test func socketsForAnotherProcessOrNoneAtAll() throws {
        #expect(try SocketActivation.passedSockets(environment: [:], processID: 777) == [])
        #expect(try SocketActivation.passedSockets(environment: ["LISTEN_FDS": "1"], processID: 777) == [])
        #expect(try SocketActivation.passedSockets(environment: ["LISTEN_PID": "778", "LISTEN_FDS": "1"], processID: 777) == [])
        #expect(try SocketActivation.passedSockets(environment: ["LISTEN_PID": "777"], processID: 777) == [])
    }

    @Test(arguments: ["0", "-1", "two", "", "2147483647"])
    func garbageCountIsAnError(value: String) {
        #expect(throws: ServiceEnvironmentError.invalidValue(variable: "LISTEN_FDS", value: value, expected: "a positive number of descriptors")) {
            try SocketActivation.passedSockets(environment: ["LISTEN_PID": "777", "LISTEN_FDS": value], processID: 777)
        }
    }

    @Test func garbagePidIsAnError() {
        #expect(throws: ServiceEnvironmentError.invalidValue(variable: "LISTEN_PID", value: "me", expected: "a process ID")) {
            try SocketActivation.passedSockets(environment: ["LISTEN_PID": "me", "LISTEN_FDS": "1"], processID: 777)
        }
    }

    @Test func namesMustMatchTheCount() {
        #expect(throws: ServiceEnvironmentError.nameCountMismatch(descriptors: 2, names: 1)) {
            try SocketActivation.passedSockets(environment: ["LISTEN_PID": "777", "LISTEN_FDS": "2", "LISTEN_FDNAMES": "varlink"], processID: 777)
        }
    }

    @Test func adoptingMarksDescriptorsCloseOnExec() throws {
        let listening = try makeListeningSocket()
        defer { close(listening.descriptor); removeDirectory(listening.directory) }
        #expect(fcntl(listening.descriptor, F_GETFD) & FD_CLOEXEC == 0)
        let socket = ActivatedSocket(descriptor: listening.descriptor, name: "varlink")
        try SocketActivation.adopt([socket])
        #expect(fcntl(listening.descriptor, F_GETFD) & FD_CLOEXEC != 0)
        #expect(socket.isListeningUnixStreamSocket)
    }

    @Test func adoptingAClosedDescriptorFails() throws {
        let descriptor = dup(0)
        close(descriptor)
        #expect(throws: ServiceEnvironmentError.descriptorNotOpen(descriptor)) {
            try SocketActivation.adopt([ActivatedSocket(descriptor: descriptor, name: "gone")])
        }
    }

    @Test func onlyListeningUnixStreamSocketsQualify() {
        let datagram = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        let unbound = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(datagram); close(unbound) }
        #expect(!ActivatedSocket(descriptor: datagram, name: "x").isListeningUnixStreamSocket)
        #expect(!ActivatedSocket(descriptor: unbound, name: "x").isListeningUnixStreamSocket)
    }

    /// What systemd-socket-activate really passes: the variables it sets for the process it
    /// starts, parsed for that process, and the descriptors that process really holds.
    @Test(.enabled(if: socketActivateTool != nil))
    func readsWhatSystemdSocketActivatePasses() throws {
        let directory = makeTemporaryDirectory()
        defer { removeDirectory(directory) }
        let report = "\(directory)/report"
        let script = """
            { echo "$$"; echo "$LISTEN_PID"; echo "$LISTEN_FDS"; echo "$LISTEN_FDNAMES"
              readlink /proc/$$/fd/3; readlink /proc/$$/fd/4; } > \(report).partial
            mv \(report).partial \(report)
            """
        let activator = Process()
        activator.executableURL = URL(fileURLWithPath: socketActivateTool!)
        activator.arguments = ["-l", "\(directory)/control", "-l", "\(directory)/metrics", "--fdname=varlink:metrics", "/bin/sh", "-c", script]
        activator.standardError = FileHandle.nullDevice
        try activator.run()
        defer { if activator.isRunning { activator.terminate() } }
        // It starts the service on the first connection, as systemd does.
        try connectWhenListening(to: "\(directory)/control")
        let lines = try waitForFile(report).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        try #require(lines.count >= 6)
        let processID = try #require(pid_t(lines[0]))
        let environment = ["LISTEN_PID": lines[1], "LISTEN_FDS": lines[2], "LISTEN_FDNAMES": lines[3]]
        #expect(try SocketActivation.passedSockets(environment: environment, processID: processID) == [
            ActivatedSocket(descriptor: 3, name: "varlink"), ActivatedSocket(descriptor: 4, name: "metrics"),
        ])
        #expect(lines[4].hasPrefix("socket:") && lines[5].hasPrefix("socket:"))
    }

    /// Taking the sockets from the real environment consumes the variables. Run in a child
    /// process, as it changes the environment. The child's descriptor 3 belongs to the test
    /// runtime, which may open and close it at any time: adopting it may find it closed,
    /// and the variables must be consumed either way.
    @Test func takingFromTheProcessConsumesTheVariables() async {
        await #expect(processExitsWith: .success) {
            setenv("LISTEN_PID", "\(getpid())", 1)
            setenv("LISTEN_FDS", "1", 1)
            setenv("LISTEN_FDNAMES", "varlink", 1)
            let taken: Bool
            do throws(ServiceEnvironmentError) {
                taken = try SocketActivation.takeFromProcess() == [ActivatedSocket(descriptor: 3, name: "varlink")]
            } catch {
                taken = error == .descriptorNotOpen(3)
            }
            let environment = ProcessEnvironment.current()
            let consumed = environment["LISTEN_PID"] == nil && environment["LISTEN_FDS"] == nil && environment["LISTEN_FDNAMES"] == nil
            exit(taken && consumed ? 0 : 1)
        }
    }

    @Test func variablesForAnotherProcessAreConsumedToo() async {
        await #expect(processExitsWith: .success) {
            setenv("LISTEN_PID", "\(getpid() + 1)", 1)
            setenv("LISTEN_FDS", "1", 1)
            guard let sockets = try? SocketActivation.takeFromProcess() else { exit(2) }
            let environment = ProcessEnvironment.current()
            exit(sockets.isEmpty && environment["LISTEN_PID"] == nil && environment["LISTEN_FDS"] == nil ? 0 : 1)
        }
    }
}

let socketActivateTool: String? = ["/usr/bin/systemd-socket-activate", "/lib/systemd/systemd-socket-activate"]
    .first { (path: String) in access(path, X_OK) == 0 }

private func makeListeningSocket() throws -> (descriptor: Int32, directory: String) {
    let directory = makeTemporaryDirectory()
    let descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
    var address = sockaddr_un()
    address.sun_family = sa_family_t(AF_UNIX)
    withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: Array("\(directory)/socket".utf8)) }
    let bound = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
    }
    try #require(bound == 0 && listen(descriptor, 4) == 0)
    return (descriptor, directory)
}

/// Connects once the path accepts connections (the tool binds it after starting).
private func connectWhenListening(to path: String) throws {
    let deadline = ContinuousClock.now + .seconds(5)
    while ContinuousClock.now < deadline {
        let descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(descriptor) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: Array(path.utf8)) }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        if connected == 0 { return }
        usleep(10_000)
    }
    Issue.record("nothing listened on \(path)")
}

private func waitForFile(_ path: String) throws -> String {
    let deadline = ContinuousClock.now + .seconds(5)
    while ContinuousClock.now < deadline {
        if let text = try? String(contentsOfFile: path, encoding: .utf8) { return text }
        usleep(10_000)
    }
    Issue.record("\(path) was never written")
    return ""
}
