import BailiffBans
import BailiffControl
import BailiffService

/// The control socket: where it comes from, and the answers to `io.bailiff` calls.
extension Daemon {
    static let identity = VarlinkServiceInterface.Identity(
        vendor: "bailiff", product: "bailiffd", version: Daemon.version, url: "man:bailiffd(8)")

    /// Serves the sockets passed by socket activation, or else binds `options.controlSocket`.
    func openControlSocket(activated: [ActivatedSocket]) throws {
        let server = VarlinkServer(identity: Self.identity, interfaces: [BailiffInterface.interface]) { [unowned self] call in
            answer(call)
        }
        let sockets = activated.filter(\.isListeningUnixStreamSocket)
        for socket in activated where !socket.isListeningUnixStreamSocket {
            log("warning: ignoring passed descriptor \(socket.descriptor) (\(socket.name)): not a listening unix stream socket")
        }
        if !sockets.isEmpty {
            for socket in sockets { try server.adoptListener(descriptor: socket.descriptor) }
            log("control socket passed by the service manager")
        } else if let path = options.controlSocket {
            try server.listen(path: path, mode: 0o600)
            log("control socket at \(path)")
        } else {
            return
        }
        control = ControlEndpoint(server: server, loop: loop)
    }

    private func answer(_ call: VarlinkCall) -> VarlinkHandling {
        do throws(VarlinkError) {
            switch call.method {
            case BailiffInterface.Ping.name:
                return .reply(.empty)
            case BailiffInterface.GetStatus.name:
                let parameters = try call.parameters(of: BailiffInterface.GetStatus.self)
                if let jail = parameters.jail, keeper.jails[jail] == nil { return .error(.noSuchJail(jail: jail)) }
                return .parameters(BailiffInterface.GetStatus.Reply(status: status(jail: parameters.jail)))
            case BailiffInterface.ListBans.name:
                let parameters = try call.parameters(of: BailiffInterface.ListBans.self)
                if let jail = parameters.jail, keeper.jails[jail] == nil { return .error(.noSuchJail(jail: jail)) }
                let now = Self.wallClock()
                let bans = try storeResult { () throws(BanStoreError) in try keeper.store.activeBans(at: now, inJail: parameters.jail) }
                return .parameters(BailiffInterface.ListBans.Reply(bans: bans.map { Self.activeBan($0, now: now) }))
            case BailiffInterface.Ban.name:
                let parameters = try call.parameters(of: BailiffInterface.Ban.self)
                let banned = try controlResult { () throws(ControlFailure) in try keeper.ban(jail: parameters.jail, addresses: parameters.addresses) }
                for ban in banned {
                    bansMade[ban.jail, default: 0] += 1
                    log("[\(ban.jail)] Ban \(ban.target) for \(ban.duration) (by hand)")
                }
                scheduleExpiry(keeper.expireDue())
                return .parameters(BailiffInterface.Ban.Reply(banned: banned.map(\.target)))
            case BailiffInterface.Unban.name:
                let parameters = try call.parameters(of: BailiffInterface.Unban.self)
                let all = parameters.all ?? false
                let addresses = parameters.addresses ?? []
                if !all, addresses.isEmpty {
                    throw VarlinkError.invalidParameter("addresses")
                }
                let lifted = try controlResult { () throws(ControlFailure) in
                    try keeper.unban(jail: parameters.jail, addresses: addresses, all: all)
                }
                for ban in lifted { log("[\(ban.jail)] Unban \(ban.target) (by hand)") }
                return .parameters(BailiffInterface.Unban.Reply(unbanned: lifted.map(\.target)))
            case BailiffInterface.Reload.name:
                switch reload() {
                case .success(let jails): return .parameters(BailiffInterface.Reload.Reply(jails: jails))
                case .failure(let failure): return .error(.reloadFailed(reason: failure.description))
                }
            default:
                return .error(.methodNotImplemented(call.method))
            }
        } catch {
            return .error(error)
        }
    }

    private func controlResult<T>(_ body: () throws(ControlFailure) -> T) throws(VarlinkError) -> T {
        do {
            return try body()
        } catch {
            switch error {
            case .noSuchJail(let jail): throw BailiffInterface.CallError.noSuchJail(jail: jail).varlinkError
            case .invalidAddress(let address): throw BailiffInterface.CallError.invalidAddress(address: address).varlinkError
            case .storeFailed(let reason): throw Self.storeFailure(reason)
            }
        }
    }

    private func storeResult<T>(_ body: () throws(BanStoreError) -> T) throws(VarlinkError) -> T {
        do {
            return try body()
        } catch {
            throw Self.storeFailure("\(error)")
        }
    }

    private static func storeFailure(_ reason: String) -> VarlinkError {
        VarlinkError(name: "io.bailiff.StoreFailed", parameters: ["reason": .string(reason)])
    }

    static func activeBan(_ ban: Ban, now: Double) -> BailiffInterface.ActiveBan {
        BailiffInterface.ActiveBan(
            jail: ban.jail, address: ban.target, bannedAt: ban.bannedAt, expiresAt: ban.expiresAt,
            secondsLeft: ban.expiresAt.map { max(0, $0 - now) }, banCount: ban.banNumber, failures: ban.failures)
    }

    func status(jail selected: String?) -> BailiffInterface.Status {
        let bans = (try? keeper.store.activeBanCounts(at: Self.wallClock())) ?? [:]
        let now = EventLoop.monotonicNow()
        var jails: [BailiffInterface.JailStatus] = []
        for jail in pipeline.jails where selected == nil || jail.name == selected {
            let definition = jail.definition
            jails.append(BailiffInterface.JailStatus(
                name: jail.name, enabled: definition.enabled, filter: definition.filter?.reference.description ?? "",
                failuresCounted: jail.statistics.failures, currentlyFailing: jail.windowSizes.ids, activeBans: bans[jail.name] ?? 0,
                totalBans: bansMade[jail.name] ?? 0, findTime: definition.findtime, maxRetry: definition.maxretry,
                banTime: keeper.jails[jail.name]?.timePolicy.base.seconds,
                actions: definition.actions.map(\.name)))
        }
        let journal = BailiffInterface.JournalStatus(
            source: "\(options.source)", cursor: pipeline.cursor, entriesRead: pipeline.entriesRead,
            entriesPerSecond: throughput.perSecond)
        return BailiffInterface.Status(version: Self.version, uptime: now - startedAt, journal: journal, jails: jails)
    }
}
