import BailiffControl
import BailiffTestSupport
import Glibc
import Testing

/// Where the server listens: a path it binds, or a descriptor it is handed.
@Suite struct VarlinkListenerTests {
    private static let identity = TestDaemon.identity

    private func makeServer() -> VarlinkServer {
        VarlinkServer(identity: Self.identity, interfaces: [BailiffInterface.interface], handler: TestDaemon.handle)
    }

    /// A socket file that nothing listens on any more, as a crashed daemon leaves behind.
    private func leaveStaleSocket(at path: String) {
        let server = makeServer()
        try? server.listen(path: path)
        // Closing would remove the file; take it from under the server first.
        let descriptor = server.pollInterests[0].descriptor
        rename(path, path + ".moved")
        server.close()
        rename(path + ".moved", path)
        #expect(fcntl(descriptor, F_GETFD) == -1)
    }

    @Test func bindsWithParentsAndPrivateMode() throws {
        let directory = try createTemporaryDirectory(prefix: "bailiff-control")
        defer { removeTree(directory) }
        let path = "\(directory)/run/bailiff/io.bailiff"
        let server = makeServer()
        try server.listen(path: path)
        #expect(fileMode(path) == 0o600)
        #expect(fileMode("\(directory)/run/bailiff") == 0o755)
        server.close()
        #expect(!fileExists(path))
    }

    @Test func modeIsConfigurable() throws {
        let directory = try createTemporaryDirectory(prefix: "bailiff-control")
        defer { removeTree(directory) }
        let server = makeServer()
        try server.listen(path: "\(directory)/io.bailiff", mode: 0o660)
        #expect(fileMode("\(directory)/io.bailiff") == 0o660)
    }

    @Test func replacesAStaleSocket() throws {
        let directory = try createTemporaryDirectory(prefix: "bailiff-control")
        defer { removeTree(directory) }
        let path = "\(directory)/io.bailiff"
        leaveStaleSocket(at: path)
        #expect(fileExists(path))
        #expect(throws: VarlinkClientError.notListening(path: path)) { try VarlinkClient(path: path) }
        let server = makeServer()
        try server.listen(path: path)
        #expect(fileExists(path))
    }

    @Test func refusesToTakeOverALiveSocketOrAFile() throws {
        let directory = try createTemporaryDirectory(prefix: "bailiff-control")
        defer { removeTree(directory) }
        let path = "\(directory)/io.bailiff"
        let first = makeServer()
        try first.listen(path: path)
        #expect(throws: VarlinkServerError.alreadyInUse(path: path)) { try makeServer().listen(path: path) }

        let file = "\(directory)/file"
        close(open(file, O_CREAT | O_WRONLY, 0o644))
        #expect(throws: VarlinkServerError.notASocket(path: file)) { try makeServer().listen(path: file) }
        #expect(fileExists(file))
    }

    @Test func closingDoesNotRemoveAnotherServersSocket() throws {
        let directory = try createTemporaryDirectory(prefix: "bailiff-control")
        defer { removeTree(directory) }
        let path = "\(directory)/io.bailiff"
        let old = makeServer()
        try old.listen(path: path)
        unlink(path)
        let new = makeServer()
        try new.listen(path: path)
        old.close()
        #expect(fileExists(path))
    }

    @Test func rejectsOverlongPaths() {
        let path = "/tmp/" + String(repeating: "x", count: 200)
        #expect(throws: VarlinkServerError.pathTooLong(path: path, limit: 107)) { try makeServer().listen(path: path) }
    }

    @Test func servesAnAdoptedListener() throws {
        let directory = try createTemporaryDirectory(prefix: "bailiff-control")
        defer { removeTree(directory) }
        let path = "\(directory)/activated"
        // As a socket unit would: bound and listening before the daemon starts.
        let descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: Array(path.utf8)) }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        try #require(bound == 0)
        try #require(listen(descriptor, 16) == 0)

        let server = makeServer()
        try server.adoptListener(descriptor: descriptor)
        #expect(fcntl(descriptor, F_GETFL) & O_NONBLOCK != 0)
        let connection = try RawConnection(path: path)
        connection.write(messages: [#"{"method":"io.bailiff.Ping"}"#])
        // Driven by hand here: the loop's view of one pass at a time.
        let deadline = ContinuousClock.now + .seconds(5)
        var reply = RawConnection.Received.timedOut
        while reply == .timedOut, ContinuousClock.now < deadline {
            try server.pollOnce(timeout: .milliseconds(10))
            reply = connection.receive(timeout: .milliseconds(1))
        }
        #expect(reply == .message(#"{"parameters":{}}"#))
        server.close()
        // An adopted socket's file belongs to the service manager and stays.
        #expect(fileExists(path))
    }

    @Test func refusesADescriptorThatIsNotListening() throws {
        let descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(descriptor) }
        #expect(throws: VarlinkServerError.notAListeningSocket(descriptor: descriptor)) {
            try makeServer().adoptListener(descriptor: descriptor)
        }
    }

    @Test func pollInterestsFollowTheWork() throws {
        let directory = try createTemporaryDirectory(prefix: "bailiff-control")
        defer { removeTree(directory) }
        let server = makeServer()
        try server.listen(path: "\(directory)/io.bailiff")
        #expect(server.pollInterests.map(\.events) == [Int16(POLLIN)])
        #expect(server.timeUntilNextDeadline() == nil)
        let connection = try RawConnection(path: "\(directory)/io.bailiff")
        try server.pollOnce(timeout: .seconds(1))
        #expect(server.statistics.connections == 1)
        #expect(server.pollInterests.map(\.events) == [Int16(POLLIN), Int16(POLLIN)])
        // An idle connection has a deadline: its idle timeout.
        let wait = try #require(server.timeUntilNextDeadline())
        #expect(wait > .seconds(59) && wait <= .seconds(60))
        _ = connection
    }
}
