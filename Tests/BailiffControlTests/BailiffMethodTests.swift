import BailiffControl
import Glibc
import Synchronization
import Testing

/// Every io.bailiff method through a real socket, with the typed client.
@Suite struct BailiffMethodTests {
    @Test func ping() throws {
        try withServer { server throws in
            #expect(try server.client().call(BailiffInterface.Ping.self) == VarlinkEmpty())
        }
    }

    @Test func getStatusOfAllJailsAndOfOne() throws {
        try withServer { server throws in
            let client = try server.client()
            let all = try client.call(BailiffInterface.GetStatus.self, .init())
            #expect(all.status == TestDaemon.status)
            let one = try client.call(BailiffInterface.GetStatus.self, .init(jail: "recidive"))
            #expect(one.status.jails == [TestDaemon.recidive])
            #expect(one.status.jails.first?.banTime == nil)
            #expect(throws: VarlinkClientError.remote(BailiffInterface.CallError.noSuchJail(jail: "ftp").varlinkError)) {
                try client.call(BailiffInterface.GetStatus.self, .init(jail: "ftp"))
            }
        }
    }

    @Test func listBansKeepsPermanentBansWithoutExpiry() throws {
        try withServer { server throws in
            let client = try server.client()
            #expect(try client.call(BailiffInterface.ListBans.self, .init()).bans == TestDaemon.bans)
            let permanent = try client.call(BailiffInterface.ListBans.self, .init(jail: "recidive")).bans
            #expect(permanent.count == 1)
            #expect(permanent.first?.expiresAt == nil)
            #expect(permanent.first?.secondsLeft == nil)
        }
    }

    @Test func banReportsNewBansAndTypedErrors() throws {
        try withServer { server throws in
            let client = try server.client()
            let reply = try client.call(BailiffInterface.Ban.self, .init(jail: "sshd", addresses: ["203.0.113.7", "198.51.100.0/24"]))
            #expect(reply.banned == ["198.51.100.0/24"])
            do {
                _ = try client.call(BailiffInterface.Ban.self, .init(jail: "sshd", addresses: ["localhost"]))
                Issue.record("an invalid address was accepted")
            } catch let error as VarlinkClientError {
                guard case .remote(let remote) = error else { throw error }
                #expect(BailiffInterface.CallError(remote) == .invalidAddress(address: "localhost"))
            }
        }
    }

    @Test func unbanByAddressOrAll() throws {
        try withServer { server throws in
            let client = try server.client()
            let some = try client.call(BailiffInterface.Unban.self, .init(jail: "sshd", addresses: ["203.0.113.7", "192.0.2.1"]))
            #expect(some.unbanned == ["203.0.113.7"])
            let all = try client.call(BailiffInterface.Unban.self, .init(all: true))
            #expect(all.unbanned == ["203.0.113.7", "2001:db8::/64"])
            #expect(throws: VarlinkClientError.remote(.invalidParameter("addresses"))) {
                try client.call(BailiffInterface.Unban.self, .init())
            }
        }
    }

    @Test func reload() throws {
        try withServer { server throws in
            #expect(try server.client().call(BailiffInterface.Reload.self).jails == ["sshd", "recidive"])
        }
    }

    @Test func reloadFailureIsTyped() throws {
        let failing: @Sendable (VarlinkCall) -> VarlinkHandling = { _ in
            .error(.reloadFailed(reason: "jail.local line 3: expected a number"))
        }
        try withServer(handler: failing) { server throws in
            do {
                _ = try server.client().call(BailiffInterface.Reload.self)
                Issue.record("the reload did not fail")
            } catch let error as VarlinkClientError {
                guard case .remote(let remote) = error else { throw error }
                #expect(remote.name == "io.bailiff.ReloadFailed")
                #expect(BailiffInterface.CallError(remote) == .reloadFailed(reason: "jail.local line 3: expected a number"))
            }
        }
    }

    @Test func oneConnectionServesManyCalls() throws {
        try withServer { server throws in
            let client = try server.client()
            for _ in 0..<100 {
                _ = try client.call(BailiffInterface.Ping.self)
            }
            #expect(server.waitUntil { $0.calls == 100 && $0.accepted == 1 })
        }
    }

    @Test func handlerSeesThePeerCredentials() throws {
        let seen = PeerBox()
        try withServer(handler: { call in
            seen.record(call.peer)
            return .parameters(VarlinkEmpty())
        }) { server throws in
            _ = try server.client().call(BailiffInterface.Ping.self)
        }
        #expect(seen.peer?.processID == getpid())
        #expect(seen.peer?.userID == getuid())
    }
}

final class PeerBox: Sendable {
    private let value = Mutex<VarlinkPeer?>(nil)
    func record(_ peer: VarlinkPeer?) { value.withLock { $0 = peer } }
    var peer: VarlinkPeer? { value.withLock { $0 } }
}
