import BailiffControl
import BailiffTestSupport
import Foundation
import Glibc
import Synchronization
import Testing

/// Clients that send garbage, too much, too many, or nothing: the server stays bounded and
/// keeps answering everyone else.
@Suite struct VarlinkAbuseTests {
    @Test(arguments: [
        ("\u{1}\u{2}garbage", "message"),
        ("[1,2,3]", "message"),
        ("{\"method\":", "message"),
        ("{\"method\":5}", "method"),
        ("{\"parameters\":{}}", "method"),
        ("{\"method\":\"io.bailiff.Ping\",\"parameters\":[]}", "parameters"),
        ("{\"method\":\"io.bailiff.Ping\",\"oneway\":\"yes\"}", "oneway"),
    ])
    func malformedMessageGetsAnErrorAndTheConnectionCloses(message: String, parameter: String) throws {
        try withServer { server throws in
            let connection = try RawConnection(path: server.path)
            connection.write(messages: [message, #"{"method":"io.bailiff.Ping"}"#])
            let reply = connection.receiveObject()
            #expect(reply?.errorName == "org.varlink.service.InvalidParameter")
            #expect(reply?.parameters?["parameter"] as? String == parameter)
            // Nothing after the garbage is trusted, not even the valid call.
            #expect(connection.receive() == .closed)
            #expect(server.waitUntil { $0.closedForBadMessages == 1 && $0.connections == 0 })
        }
    }

    @Test func hundredMegabyteMessageIsCutOffUnbuffered() throws {
        try withServer { server throws in
            let flooding = try RawConnection(path: server.path)
            let descriptor = flooding.descriptor
            let written = Completion64()
            let writer = Thread {
                let chunk = [UInt8](repeating: UInt8(ascii: "a"), count: 1 << 20)
                var total = 0
                chunk.withUnsafeBytes { bytes in
                    // "{" and then 100 MiB of a string that never ends.
                    _ = send(descriptor, "{\"method\":\"", 11, Int32(MSG_NOSIGNAL))
                    while total < 100 << 20 {
                        let sent = send(descriptor, bytes.baseAddress!, bytes.count, Int32(MSG_NOSIGNAL))
                        if sent <= 0 { break }
                        total += sent
                    }
                }
                written.set(total)
            }
            writer.start()
            // Everyone else is still served while the flood goes on.
            let client = try server.client()
            for _ in 0..<20 {
                _ = try client.call(BailiffInterface.Ping.self)
            }
            #expect(written.wait() != nil)
            let total = try #require(written.value)
            #expect(total < 8 << 20, "the server kept reading \(total) bytes")
            let reply = flooding.receiveObject()
            #expect(reply?.errorName == "org.varlink.service.InvalidParameter")
            #expect(reply?.parameters?["parameter"] as? String == "message")
            #expect(flooding.receive() == .closed)
            let statistics = server.statistics
            #expect(statistics.peakConnectionInputBytes <= (1 << 20) + 64 * 1024)
            #expect(statistics.closedForBadMessages == 1)
            #expect(statistics.bufferedInputBytes == 0)
        }
    }

    @Test func completeMessageOverTheLimitIsRefused() throws {
        try withServer(limits: VarlinkServerLimits(maxMessageBytes: 1024)) { server throws in
            let connection = try RawConnection(path: server.path)
            let addresses = (0..<200).map { "\"192.0.2.\($0 % 256)\"" }.joined(separator: ",")
            connection.write(messages: [#"{"method":"io.bailiff.Ban","parameters":{"jail":"sshd","addresses":[\#(addresses)]}}"#])
            #expect(connection.receiveObject()?.parameters?["parameter"] as? String == "message")
            #expect(connection.receive() == .closed)
            _ = try server.client().call(BailiffInterface.Ping.self)
        }
    }

    @Test func thousandIdleConnectionsDoNotLockOutACaller() throws {
        raiseDescriptorLimit(to: 4096)
        try withServer { server throws in
            var idle: [RawConnection] = []
            for _ in 0..<1000 {
                idle.append(try RawConnection(path: server.path))
            }
            #expect(server.waitUntil { $0.accepted == 1000 })
            // A caller still gets in: the longest idle connection makes room.
            #expect(try server.client().call(BailiffInterface.Ping.self) == VarlinkEmpty())
            let statistics = server.statistics
            #expect(statistics.connections <= 256)
            #expect(statistics.evicted >= 745)
            #expect(statistics.refused == 0)
            // The oldest were the ones closed.
            #expect(idle[0].receive(timeout: .seconds(1)) == .closed)
            #expect(idle[999].receive(timeout: .milliseconds(50)) == .timedOut)
        }
    }

    @Test func newConnectionIsRefusedWhenEveryConnectionIsBusy() throws {
        let box = TokenBox()
        try withServer(limits: VarlinkServerLimits(maxConnections: 4), handler: VarlinkCallFlowTests.deferringHandler(box)) { server throws in
            var busy: [RawConnection] = []
            for index in 0..<4 {
                let connection = try RawConnection(path: server.path)
                connection.write(messages: [#"{"method":"io.bailiff.Ban","parameters":{"jail":"slow","addresses":["192.0.2.\#(index)"]}}"#])
                busy.append(connection)
                // One at a time, so the tokens line up with the connections.
                #expect(box.waitFor(index + 1).count == index + 1)
            }
            let refused = try RawConnection(path: server.path)
            refused.write(messages: [#"{"method":"io.bailiff.Ping"}"#])
            #expect(refused.receive() == .closed)
            #expect(server.waitUntil { $0.refused == 1 })
            // Once a call finishes, its connection is idle and can make room.
            server.perform { $0.complete(box.all[0], with: .empty) }
            #expect(busy[0].receive() == .message(#"{"parameters":{}}"#))
            _ = try server.client().call(BailiffInterface.Ping.self)
            #expect(server.waitUntil { $0.evicted == 1 })
            #expect(busy[0].receive() == .closed)
        }
    }

    @Test func clientThatNeverReadsIsDisconnected() throws {
        try withServer(limits: VarlinkServerLimits(maxUnsentReplyBytes: 64 * 1024)) { server throws in
            let greedy = try RawConnection(path: server.path)
            let descriptor = greedy.descriptor
            let writer = Thread {
                let calls = Array(String(repeating: #"{"method":"io.bailiff.GetStatus"}"# + "\0", count: 1000).utf8)
                for _ in 0..<100 {
                    if calls.withUnsafeBytes({ send(descriptor, $0.baseAddress!, $0.count, Int32(MSG_NOSIGNAL)) }) <= 0 { break }
                }
            }
            writer.start()
            #expect(server.waitUntil { $0.closedForUnreadReplies == 1 })
            let statistics = server.statistics
            #expect(statistics.unsentReplyBytes < 1 << 20)
            _ = try server.client().call(BailiffInterface.Ping.self)
        }
    }

    @Test func halfClosedConnectionGetsItsRepliesThenCloses() throws {
        let box = TokenBox()
        try withServer(handler: VarlinkCallFlowTests.deferringHandler(box)) { server throws in
            let connection = try RawConnection(path: server.path)
            connection.write(messages: [
                #"{"method":"io.bailiff.Ping"}"#,
                #"{"method":"io.bailiff.Ban","parameters":{"jail":"slow","addresses":["192.0.2.1"]}}"#,
                #"{"method":"io.bailiff.Reload"}"#,
            ])
            connection.shutdownWriting()
            #expect(connection.receive() == .message(#"{"parameters":{}}"#))
            let tokens = box.waitFor(1)
            try #require(tokens.count == 1)
            #expect(server.statistics.connections == 1)
            server.perform { $0.complete(tokens[0], with: .parameters(BailiffInterface.Ban.Reply(banned: ["192.0.2.1"]))) }
            #expect(connection.receive() == .message(#"{"parameters":{"banned":["192.0.2.1"]}}"#))
            #expect(connection.receive() == .message(#"{"parameters":{"jails":["sshd","recidive"]}}"#))
            #expect(connection.receive() == .closed)
        }
    }

    @Test func halfClosedPipelineIsAnsweredInFull() throws {
        try withServer { server throws in
            let connection = try RawConnection(path: server.path)
            connection.write(messages: Array(repeating: #"{"method":"io.bailiff.Ping"}"#, count: 1000))
            connection.shutdownWriting()
            for _ in 0..<1000 {
                #expect(connection.receive() == .message(#"{"parameters":{}}"#))
            }
            #expect(connection.receive() == .closed)
        }
    }

    @Test func idleConnectionsTimeOut() throws {
        try withServer(limits: VarlinkServerLimits(idleTimeout: .milliseconds(200))) { server throws in
            let silent = try RawConnection(path: server.path)
            // Trickling a message byte by byte does not count as activity.
            let trickling = try RawConnection(path: server.path)
            let active = try server.client()
            let start = ContinuousClock.now
            for byte in Array(#"{"method":"io.bai"#.utf8) {
                trickling.write([byte])
                _ = try active.call(BailiffInterface.Ping.self)
                usleep(30_000)
            }
            #expect(silent.receive() == .closed)
            #expect(trickling.receive() == .closed)
            #expect(ContinuousClock.now - start < .seconds(2))
            #expect(server.statistics.timedOut >= 2)
            // A connection that keeps calling stays (its last call was just now).
            _ = try active.call(BailiffInterface.Ping.self)
        }
    }
}

/// A byte count set by a writer thread.
final class Completion64: Sendable {
    private let stored = Mutex<Int?>(nil)
    func set(_ value: Int) { stored.withLock { $0 = value } }
    var value: Int? { stored.withLock { $0 } }

    /// Waits up to ten seconds for the value.
    func wait() -> Int? {
        let deadline = ContinuousClock.now + .seconds(10)
        while value == nil, ContinuousClock.now < deadline { usleep(1_000) }
        return value
    }
}
