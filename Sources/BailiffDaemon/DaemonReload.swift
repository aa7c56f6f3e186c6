import BailiffConfig
import BailiffEngine
import BailiffJournal

/// Reloading the configuration (SIGHUP or `io.bailiff.Reload`): all of it or none of it.
extension Daemon {
    struct ReloadFailure: Error, CustomStringConvertible {
        let description: String
    }

    /// Reads the configuration again and applies it: unchanged and changed jails keep their
    /// failure windows and bans, new parameters apply in place, removed jails stop (their
    /// actions remove their firewall structures) and new jails start. Any error leaves the
    /// running configuration as it was. Returns the jails running afterwards.
    func reload() -> Result<[String], ReloadFailure> {
        service.send(.reloadingNow())
        // Decisions already made belong to the jails they were made in.
        applyDecisions()
        let result = rebuild()
        switch result {
        case .success(let jails):
            audit.record(AuditEntry(.reload, "configuration reloaded; jails: \(jails.joined(separator: " "))",
                fields: [("BAILIFF_JAILS", jails.joined(separator: " "))]))
            service.send(.ready, .status(statusLine()))
        case .failure(let failure):
            log("error: reload failed, the running configuration stays: \(failure)")
            audit.record(AuditEntry(.reloadFailed, "reload failed, the running configuration stays: \(failure)"))
            service.send(.ready, .status("reload failed, running the previous configuration: \(failure)"))
        }
        return result
    }

    private func rebuild() -> Result<[String], ReloadFailure> {
        let jails: [JailDefinition]
        let pipelinePlan: JournalPipeline.Reconfiguration
        let keeperPlan: BanKeeper.Reconfiguration
        let newSettings: ServiceSettings
        do {
            jails = try loadJails()
            newSettings = try loadSettings(for: jails)
            pipelinePlan = try pipeline.prepare(jails)
            keeperPlan = try keeper.prepare(jails)
        } catch {
            return .failure(ReloadFailure(description: "\(error)"))
        }
        do throws(JournalError) {
            try pipeline.apply(pipelinePlan)
        } catch {
            return .failure(ReloadFailure(description: "installing the new journal matches: \(error)"))
        }
        keeper.apply(keeperPlan)
        ignoreGate.configure(jails: jails)
        settings = newSettings
        for warning in pipelinePlan.warnings { log("warning: \(warning)") }
        var changes: [String] = []
        if !keeperPlan.added.isEmpty { changes.append("started \(keeperPlan.added.joined(separator: ", "))") }
        if !keeperPlan.removed.isEmpty { changes.append("stopped \(keeperPlan.removed.joined(separator: ", "))") }
        if !keeperPlan.changed.isEmpty { changes.append("new actions for \(keeperPlan.changed.joined(separator: ", "))") }
        let names = jails.map(\.name)
        log("configuration reloaded; jails: \(names.joined(separator: ", "))" + (changes.isEmpty ? "" : "; " + changes.joined(separator: "; ")))
        return .success(names)
    }
}
