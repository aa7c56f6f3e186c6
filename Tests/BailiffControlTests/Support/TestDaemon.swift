import BailiffControl
import Synchronization

/// A stand-in for the daemon's side of the interface: fixed state, answers shaped as the
/// daemon's would be. The server under test does not know the difference.
enum TestDaemon {
    static let identity = VarlinkServiceInterface.Identity(
        vendor: "bailiff", product: "bailiffd", version: "0.1.0-test", url: "https://example.org/bailiff")

    static let sshd = BailiffInterface.JailStatus(
        name: "sshd", enabled: true, filter: "sshd[mode=aggressive]", failuresCounted: 42, currentlyFailing: 3,
        activeBans: 1, totalBans: 7, findTime: 600, maxRetry: 5, banTime: 3600, actions: ["nftables[type=multiport]"])
    static let recidive = BailiffInterface.JailStatus(
        name: "recidive", enabled: true, filter: "recidive", failuresCounted: 0, currentlyFailing: 0,
        activeBans: 1, totalBans: 1, findTime: 86400, maxRetry: 3, banTime: nil, actions: ["nftables-allports"])
    static let status = BailiffInterface.Status(
        version: "0.1.0-test", uptime: 12.5,
        journal: .init(source: "system", cursor: "s=abc;i=1f", entriesRead: 1_234_567, entriesPerSecond: 812.5),
        jails: [sshd, recidive])
    static let bans = [
        BailiffInterface.ActiveBan(
            jail: "sshd", address: "203.0.113.7", bannedAt: 1_700_000_000, expiresAt: 1_700_003_600, secondsLeft: 1800,
            banCount: 2, failures: 5),
        BailiffInterface.ActiveBan(
            jail: "recidive", address: "2001:db8::/64", bannedAt: 1_700_000_100, expiresAt: nil, secondsLeft: nil,
            banCount: 1, failures: 3),
    ]

    /// Oneway calls seen, for the test that sends them.
    static let onewayCalls = Mutex<[String]>([])

    static func handle(_ call: VarlinkCall) -> VarlinkHandling {
        do throws(VarlinkError) {
            return try answer(call)
        } catch {
            return .error(error)
        }
    }

    private static func answer(_ call: VarlinkCall) throws(VarlinkError) -> VarlinkHandling {
        if call.isOneway { onewayCalls.withLock { $0.append(call.method) } }
        switch call.method {
        case BailiffInterface.Ping.name:
            return .parameters(VarlinkEmpty())
        case BailiffInterface.GetStatus.name:
            let parameters = try call.parameters(of: BailiffInterface.GetStatus.self)
            var status = status
            if let jail = parameters.jail {
                status.jails = status.jails.filter { $0.name == jail }
                if status.jails.isEmpty { return .error(.noSuchJail(jail: jail)) }
            }
            return .parameters(BailiffInterface.GetStatus.Reply(status: status))
        case BailiffInterface.ListBans.name:
            let parameters = try call.parameters(of: BailiffInterface.ListBans.self)
            return .parameters(BailiffInterface.ListBans.Reply(bans: bans.filter { parameters.jail == nil || $0.jail == parameters.jail }))
        case BailiffInterface.Ban.name:
            let parameters = try call.parameters(of: BailiffInterface.Ban.self)
            guard ["sshd", "recidive"].contains(parameters.jail) else { return .error(.noSuchJail(jail: parameters.jail)) }
            if let bad = parameters.addresses.first(where: { !$0.contains(".") && !$0.contains(":") }) {
                return .error(.invalidAddress(address: bad))
            }
            return .parameters(BailiffInterface.Ban.Reply(banned: parameters.addresses.filter { $0 != "203.0.113.7" }))
        case BailiffInterface.Unban.name:
            let parameters = try call.parameters(of: BailiffInterface.Unban.self)
            if parameters.all == true { return .parameters(BailiffInterface.Unban.Reply(unbanned: bans.map(\.address))) }
            guard let addresses = parameters.addresses else { throw .invalidParameter("addresses") }
            let banned = Set(bans.filter { parameters.jail == nil || $0.jail == parameters.jail }.map(\.address))
            return .parameters(BailiffInterface.Unban.Reply(unbanned: addresses.filter(banned.contains)))
        case BailiffInterface.Reload.name:
            return .parameters(BailiffInterface.Reload.Reply(jails: ["sshd", "recidive"]))
        default:
            return .error(.methodNotImplemented(call.method))
        }
    }
}
