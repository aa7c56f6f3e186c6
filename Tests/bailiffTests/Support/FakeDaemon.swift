import BailiffControl
import BailiffTestSupport
import Synchronization

/// The daemon's side of the control socket with fixed answers: a real `VarlinkServer` on a
/// real unix socket in a temporary directory, polled on its own thread. It records the calls
/// it gets, so tests can check what the client sent.
final class FakeDaemon: Sendable {
    typealias Handler = @Sendable (VarlinkCall) -> VarlinkHandling

    struct RecordedCall: Sendable {
        var method: String
        var call: VarlinkCall
    }

    /// Shared by the daemon and the server thread's handler.
    private final class CallLog: Sendable {
        let calls = Mutex<[RecordedCall]>([])
    }

    private let server: ServerThread
    private let recorded = CallLog()
    var socketPath: String { server.path }

    init(handler: @escaping Handler = FakeDaemon.answer) throws {
        let recorded = self.recorded
        server = try ServerThread(
            identity: .init(vendor: "bailiff", product: "bailiffd", version: Fixtures.status.version, url: "https://example.org/bailiff")
        ) { call in
            recorded.calls.withLock { $0.append(RecordedCall(method: call.method, call: call)) }
            return handler(call)
        }
    }

    /// The calls received so far, in order.
    var calls: [RecordedCall] { recorded.calls.withLock { $0 } }

    /// The parameters of the only call received, which must be of `method`.
    func onlyCall<M: VarlinkMethod>(of method: M.Type) throws -> M.Parameters? {
        let calls = self.calls
        guard calls.count == 1, calls[0].method == M.name else { return nil }
        return try calls[0].call.parameters(of: M.self)
    }

    func stop() { server.stop() }

    /// Answers as the daemon would, from the fixtures.
    static func answer(_ call: VarlinkCall) -> VarlinkHandling {
        do throws(VarlinkError) {
            switch call.method {
            case BailiffInterface.Ping.name:
                return .parameters(VarlinkEmpty())
            case BailiffInterface.GetStatus.name:
                let parameters = try call.parameters(of: BailiffInterface.GetStatus.self)
                var status = Fixtures.status
                if let jail = parameters.jail {
                    status.jails = status.jails.filter { $0.name == jail }
                    if status.jails.isEmpty { return .error(.noSuchJail(jail: jail)) }
                }
                return .parameters(BailiffInterface.GetStatus.Reply(status: status))
            case BailiffInterface.ListBans.name:
                let parameters = try call.parameters(of: BailiffInterface.ListBans.self)
                if let jail = parameters.jail, !Fixtures.jailNames.contains(jail) { return .error(.noSuchJail(jail: jail)) }
                return .parameters(BailiffInterface.ListBans.Reply(bans: Fixtures.bans.filter { parameters.jail == nil || $0.jail == parameters.jail }))
            case BailiffInterface.Ban.name:
                let parameters = try call.parameters(of: BailiffInterface.Ban.self)
                guard Fixtures.jailNames.contains(parameters.jail) else { return .error(.noSuchJail(jail: parameters.jail)) }
                let already = Set(Fixtures.bans.filter { $0.jail == parameters.jail }.map(\.address))
                return .parameters(BailiffInterface.Ban.Reply(banned: parameters.addresses.filter { !already.contains($0) }))
            case BailiffInterface.Unban.name:
                let parameters = try call.parameters(of: BailiffInterface.Unban.self)
                if let jail = parameters.jail, !Fixtures.jailNames.contains(jail) { return .error(.noSuchJail(jail: jail)) }
                let inScope = Fixtures.bans.filter { parameters.jail == nil || $0.jail == parameters.jail }.map(\.address)
                if parameters.all == true { return .parameters(BailiffInterface.Unban.Reply(unbanned: inScope)) }
                guard let addresses = parameters.addresses else { throw .invalidParameter("addresses") }
                return .parameters(BailiffInterface.Unban.Reply(unbanned: addresses.filter(inScope.contains)))
            case BailiffInterface.Reload.name:
                return .parameters(BailiffInterface.Reload.Reply(jails: Fixtures.jailNames))
            default:
                return .error(.methodNotImplemented(call.method))
            }
        } catch {
            return .error(error)
        }
    }
}

/// Runs `body` with a fake daemon and stops it afterwards.
func withFakeDaemon<Result>(handler: @escaping FakeDaemon.Handler = FakeDaemon.answer, _ body: (FakeDaemon) throws -> Result) throws -> Result {
    let daemon = try FakeDaemon(handler: handler)
    defer { daemon.stop() }
    return try body(daemon)
}

/// The state the fake daemon reports.
enum Fixtures {
    static let sshd = BailiffInterface.JailStatus(
        name: "sshd", enabled: true, filter: "sshd[mode=aggressive]", failuresCounted: 42, currentlyFailing: 3,
        activeBans: 1, totalBans: 7, findTime: 600, maxRetry: 5, banTime: 3600, actions: ["nftables[type=multiport]", "sendmail"])
    static let recidive = BailiffInterface.JailStatus(
        name: "recidive", enabled: true, filter: "recidive", failuresCounted: 0, currentlyFailing: 0,
        activeBans: 1, totalBans: 1, findTime: 86400, maxRetry: 3, banTime: nil, actions: ["nftables-allports"])
    static let postfix = BailiffInterface.JailStatus(
        name: "postfix", enabled: false, filter: "postfix", failuresCounted: 0, currentlyFailing: 0,
        activeBans: 0, totalBans: 0, findTime: 600, maxRetry: 5, banTime: 600, actions: [])
    static let status = BailiffInterface.Status(
        version: "0.1.0-test", uptime: 3725.4,
        journal: .init(source: "system", cursor: "s=abc;i=1f", entriesRead: 1_234_567, entriesPerSecond: 812.46),
        jails: [sshd, recidive, postfix])
    static let jailNames = ["sshd", "recidive"]
    static let bans = [
        BailiffInterface.ActiveBan(
            jail: "sshd", address: "203.0.113.7", bannedAt: 1_700_000_000, expiresAt: 1_700_003_600, secondsLeft: 598.2,
            banCount: 2, failures: 5),
        BailiffInterface.ActiveBan(
            jail: "recidive", address: "2001:db8::/64", bannedAt: 1_700_000_100, expiresAt: nil, secondsLeft: nil,
            banCount: 11, failures: 3),
    ]
}
