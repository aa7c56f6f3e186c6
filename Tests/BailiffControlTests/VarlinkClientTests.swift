import BailiffControl
import BailiffTestSupport
import Glibc
import Testing

/// What the command-line client tells its user when the daemon is not there or not answering.
@Suite struct VarlinkClientTests {
    @Test func missingSocket() throws {
        let directory = try createTemporaryDirectory(prefix: "bailiff-control")
        defer { removeTree(directory) }
        let path = "\(directory)/io.bailiff"
        do {
            _ = try VarlinkClient(path: path)
            Issue.record("connected to nothing")
        } catch {
            #expect(error == .noSocket(path: path))
            #expect(error.serviceIsNotRunning)
            #expect("bailiff is not running (\(error))" == "bailiff is not running (no socket at \(path))")
        }
    }

    @Test func serviceThatNeverAnswersTimesOut() throws {
        let directory = try createTemporaryDirectory(prefix: "bailiff-control")
        defer { removeTree(directory) }
        let path = "\(directory)/io.bailiff"
        // Listening, so connecting succeeds, but nobody ever accepts or replies.
        let descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(descriptor) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: Array(path.utf8)) }
        _ = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        listen(descriptor, 4)
        let client = try VarlinkClient(path: path, timeout: .milliseconds(200))
        let start = ContinuousClock.now
        #expect(throws: VarlinkClientError.timedOut(path: path, timeout: .milliseconds(200))) {
            try client.call(BailiffInterface.Ping.self)
        }
        #expect(ContinuousClock.now - start < .seconds(2))
    }

    @Test func serverClosingMidCallIsReported() throws {
        try withServer(handler: { _ in .deferred }) { server throws in
            let client = try server.client()
            let path = server.path
            server.perform { $0.close() }
            #expect(throws: VarlinkClientError.connectionClosed(path: path)) {
                try client.call(BailiffInterface.Ping.self)
            }
        }
    }

    @Test func replyOfTheWrongShapeIsMalformed() throws {
        try withServer { server throws in
            let client = try server.client()
            do {
                _ = try client.call(method: BailiffInterface.GetStatus.name, parameters: VarlinkEmpty(), replyType: BailiffInterface.ListBans.Reply.self)
                Issue.record("decoded a status as bans")
            } catch let error as VarlinkClientError {
                guard case .malformedReply = error else { throw error }
            }
        }
    }
}
