import BailiffConfig

/// Checks a whole configuration tree the way the daemon would load it, and more:
/// every enabled jail with its filter and actions, every filter in `filter.d` (compiled)
/// and every action in `action.d`. Disabled jails only warn.
public struct ConfigValidator: Sendable {
    public let tree: ConfigTree

    public init(tree: ConfigTree) { self.tree = tree }

    public struct Report: Sendable {
        public var errors: [ConfigError] = []
        public var warnings: [ConfigError] = []
        public var jails = 0
        public var enabledJails = 0
        public var filters = 0
        public var actions = 0
    }

    public func validate() -> Report {
        var report = Report()
        let outcome = JailLoader(tree: tree).load(includeDisabled: true)
        report.errors += outcome.errors
        report.warnings += outcome.warnings
        report.jails = outcome.jails.count
        for jail in outcome.jails {
            if jail.enabled { report.enabledJails += 1 }
            guard let filter = jail.filter else {
                if jail.enabled { report.warnings.append(ConfigError("jail [\(jail.name)] has no filter", at: jail.location)) }
                continue
            }
            do {
                _ = try compile(filter)
            } catch {
                let problem = ConfigError("jail [\(jail.name)]: \(error.message)", at: error.location ?? jail.location)
                if jail.enabled { report.errors.append(problem) } else { report.warnings.append(problem) }
            }
        }
        let filterLoader = FilterLoader(tree: tree)
        for name in tree.units(in: "filter.d") {
            report.filters += 1
            // `*-common` files hold shared definitions for other filters to include.
            if name == "common" || name.hasSuffix("-common") {
                do { _ = try tree.load("filter.d/" + name) } catch {
                    report.errors.append(ConfigError("filter '\(name)': \(error.message)", at: error.location))
                }
                continue
            }
            do {
                let filter = try filterLoader.load(NamedReference(name: name))
                // Filters made only to be included (common.conf) define no failregex.
                if filter.failregex.isEmpty { continue }
                _ = try compile(filter)
                for regex in filter.failregex where InjectionCheck.isInjectable(regex.text) {
                    report.warnings.append(ConfigError("filter '\(name)': a greedy catch-all before <HOST> without an end anchor lets log content choose the address (injectable): \(regex.text)", at: regex.location))
                }
            } catch {
                report.errors.append(ConfigError("filter '\(name)': \(error.message)", at: error.location))
            }
        }
        let actionLoader = ActionLoader(tree: tree)
        for name in tree.units(in: "action.d") {
            report.actions += 1
            do {
                _ = try actionLoader.load(NamedReference(name: name), jailName: "check")
            } catch {
                report.errors.append(ConfigError("action '\(name)': \(error.message)", at: error.location))
            }
        }
        return report
    }

    func compile(_ filter: FilterDefinition) throws(ConfigError) -> FilterProcessor {
        try FilterProcessor(definition: filter, clock: { 0 })
    }
}
