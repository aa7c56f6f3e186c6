import BailiffControl
import BailiffTestSupport
import Foundation
import Synchronization
import Testing

/// How calls flow on a connection: deferred replies, oneway calls, pipelines, streams.
@Suite struct VarlinkCallFlowTests {
    /// Bans in jail "slow" wait for the test to complete them, as bans wait for a firewall
    /// command; everything else is answered at once.
    static func deferringHandler(_ box: TokenBox) -> @Sendable (VarlinkCall) -> VarlinkHandling {
        { call in
            if call.isCall(of: BailiffInterface.Ban.self), (try? call.parameters(of: BailiffInterface.Ban.self).jail) == "slow" {
                box.add(call.token)
                return .deferred
            }
            return TestDaemon.handle(call)
        }
    }

    @Test func deferredReplyCompletesLaterWhileOthersAreServed() throws {
        let box = TokenBox()
        try withServer(handler: Self.deferringHandler(box)) { server throws in
            let waiting = try RawConnection(path: server.path)
            waiting.write(messages: [#"{"method":"io.bailiff.Ban","parameters":{"jail":"slow","addresses":["192.0.2.9"]}}"#])
            let tokens = box.waitFor(1)
            try #require(tokens.count == 1)
            // The loop is not blocked by the call in progress.
            _ = try server.client().call(BailiffInterface.Ping.self)
            #expect(waiting.receive(timeout: .milliseconds(100)) == .timedOut)
            #expect(server.statistics.pendingCalls == 1)

            let completed = Completion()
            server.perform { loop in
                completed.set(loop.complete(tokens[0], with: .parameters(BailiffInterface.Ban.Reply(banned: ["192.0.2.9"]))))
            }
            #expect(waiting.receive() == .message(#"{"parameters":{"banned":["192.0.2.9"]}}"#))
            #expect(server.waitUntil { _ in completed.value == true })
            // A second completion of the same call is refused.
            server.perform { loop in completed.set(loop.complete(tokens[0], with: .empty)) }
            #expect(server.waitUntil { _ in completed.value == false })
        }
    }

    @Test func repliesKeepCallOrderAcrossDeferredCalls() throws {
        let box = TokenBox()
        try withServer(handler: Self.deferringHandler(box)) { server throws in
            let connection = try RawConnection(path: server.path)
            connection.write(messages: [
                #"{"method":"io.bailiff.Ban","parameters":{"jail":"slow","addresses":["192.0.2.1"]}}"#,
                #"{"method":"io.bailiff.Ping"}"#,
                #"{"method":"io.bailiff.Ban","parameters":{"jail":"slow","addresses":["192.0.2.2"]}}"#,
                #"{"method":"io.bailiff.Reload"}"#,
            ])
            let tokens = box.waitFor(2)
            try #require(tokens.count == 2)
            // The later ban finishes first; its reply still waits for the earlier one.
            server.perform { $0.complete(tokens[1], with: .parameters(BailiffInterface.Ban.Reply(banned: ["192.0.2.2"]))) }
            #expect(connection.receive(timeout: .milliseconds(100)) == .timedOut)
            server.perform { $0.complete(tokens[0], with: .error(.invalidAddress(address: "192.0.2.1"))) }
            #expect(connection.receive() == .message(#"{"error":"io.bailiff.InvalidAddress","parameters":{"address":"192.0.2.1"}}"#))
            #expect(connection.receive() == .message(#"{"parameters":{}}"#))
            #expect(connection.receive() == .message(#"{"parameters":{"banned":["192.0.2.2"]}}"#))
            #expect(connection.receive() == .message(#"{"parameters":{"jails":["sshd","recidive"]}}"#))
        }
    }

    @Test func completingACallWhoseClientLeftIsHarmless() throws {
        let box = TokenBox()
        try withServer(handler: Self.deferringHandler(box)) { server throws in
            do {
                let connection = try RawConnection(path: server.path)
                connection.write(messages: [#"{"method":"io.bailiff.Ban","parameters":{"jail":"slow","addresses":["192.0.2.1"]}}"#])
                _ = box.waitFor(1)
            }
            #expect(server.waitUntil { $0.connections == 0 })
            let completed = Completion()
            server.perform { completed.set($0.complete(box.all[0], with: .empty)) }
            #expect(server.waitUntil { _ in completed.value == false })
            _ = try server.client().call(BailiffInterface.Ping.self)
        }
    }

    @Test func onewayCallsGetNoReply() throws {
        try withServer { server throws in
            let connection = try RawConnection(path: server.path)
            connection.write(messages: [
                #"{"method":"io.bailiff.Reload","oneway":true}"#,
                #"{"method":"io.bailiff.Explode","oneway":true}"#,
                #"{"method":"io.bailiff.GetStatus","parameters":{"jail":"ftp"},"oneway":true}"#,
                #"{"method":"io.bailiff.Ping"}"#,
            ])
            // The first thing to come back is the reply to the one call that wanted one.
            #expect(connection.receive() == .message(#"{"parameters":{}}"#))
            #expect(connection.receive(timeout: .milliseconds(100)) == .timedOut)
            #expect(TestDaemon.onewayCalls.withLock { $0 }.contains("io.bailiff.Reload"))
        }
    }

    @Test func onewayThroughTheClient() throws {
        try withServer { server throws in
            let client = try server.client()
            try client.callOneway(method: BailiffInterface.Unban.name, parameters: BailiffInterface.Unban.Parameters(all: true))
            #expect(try client.call(BailiffInterface.Ping.self) == VarlinkEmpty())
            #expect(TestDaemon.onewayCalls.withLock { $0 }.contains(BailiffInterface.Unban.name))
        }
    }

    @Test func pipelinedCallsAreAnsweredInOrder() throws {
        try withServer { server throws in
            let connection = try RawConnection(path: server.path)
            let count = 500
            connection.write(messages: (0..<count).map { index in
                #"{"method":"io.bailiff.Ban","parameters":{"jail":"sshd","addresses":["10.0.\#(index / 256).\#(index % 256)"]}}"#
            })
            for index in 0..<count {
                let reply = connection.receiveObject()
                #expect(reply?.parameters?["banned"] as? [String] == ["10.0.\(index / 256).\(index % 256)"])
            }
        }
    }

    @Test func callsWithMoreGetSeveralReplies() throws {
        let box = TokenBox()
        try withServer(handler: { call in
            box.add(call.token)
            return .deferred
        }) { server throws in
            let connection = try RawConnection(path: server.path)
            connection.write(messages: [#"{"method":"io.bailiff.ListBans","more":true}"#, #"{"method":"io.bailiff.Ping"}"#])
            let tokens = box.waitFor(2)
            try #require(tokens.count == 2)
            server.perform { loop in
                // Ping was not called with more: continues is dropped, its one reply is final.
                loop.complete(tokens[1], with: .empty, continues: true)
                loop.complete(tokens[0], with: .parameters(BailiffInterface.ListBans.Reply(bans: [TestDaemon.bans[0]])), continues: true)
                loop.complete(tokens[0], with: .parameters(BailiffInterface.ListBans.Reply(bans: [])), continues: false)
            }
            let first = connection.receiveObject()
            #expect(first?["continues"] as? Bool == true)
            #expect((first?.parameters?["bans"] as? [Any])?.count == 1)
            let last = connection.receiveObject()
            #expect(last?["continues"] == nil)
            #expect(connection.receive() == .message(#"{"parameters":{}}"#))
        }
    }
}

/// A value set on the loop thread and read by the test.
final class Completion: Sendable {
    private let stored = Mutex<Bool?>(nil)
    func set(_ value: Bool) { stored.withLock { $0 = value } }
    var value: Bool? { stored.withLock { $0 } }
}
