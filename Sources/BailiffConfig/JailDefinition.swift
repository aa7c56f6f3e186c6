import OrderedCollections

/// A jail from `jail.conf`/`jail.local`/`jail.d`, with its filter and actions resolved.
public struct JailDefinition: Sendable {
    public var name: String
    public var enabled: Bool
    public var location: SourceLocation?
    public var filter: FilterDefinition?
    public var actions: [ActionDefinition]
    public var maxretry: Int
    public var findtime: Double
    public var bantime: Double
    public var backend: String
    public var logpath: [String]
    public var ignoreip: [String]
    /// The jail's own settings and the common ones, resolved.
    public var options: OrderedDictionary<String, String>
}

/// Reads every jail of a configuration tree. Problems are collected, not thrown one by
/// one, so `config check` can list them all; a jail with an error is never silently dropped.
public struct JailLoader: Sendable {
    public let tree: ConfigTree

    public init(tree: ConfigTree) { self.tree = tree }

    /// Options every jail reports (and that its filter and actions may use).
    static let jailOptions = [
        "enabled", "filter", "action", "backend", "maxretry", "maxmatches", "findtime", "bantime",
        "bantime.increment", "bantime.factor", "bantime.formula", "bantime.multipliers", "bantime.maxtime",
        "bantime.rndtime", "bantime.overalljails", "ignorecommand", "ignoreself", "ignoreip", "ignorecache",
        "logpath", "logencoding", "logtimezone", "usedns", "port", "protocol", "chain", "mode",
        "prefregex", "failregex", "ignoreregex", "maxlines", "datepattern", "journalmatch", "banprefix.ipv4", "banprefix.ipv6",
    ]

    public struct Outcome: Sendable {
        public var jails: [JailDefinition] = []
        public var errors: [ConfigError] = []
        public var warnings: [ConfigError] = []
    }

    /// - Parameter includeDisabled: also resolve disabled jails (their problems become warnings).
    public func load(includeDisabled: Bool = false) -> Outcome {
        var outcome = Outcome()
        var store: ConfigStore
        do {
            guard let loaded = try tree.load("jail") else {
                outcome.errors.append(ConfigError("no jail configuration: expected \(tree.directory)/jail.conf or jail.local"))
                return outcome
            }
            store = loaded
            // Names fail2ban defines for every jail configuration.
            store.provideDefault("fail2ban_version", "1.1.0")
            store.provideDefault("fail2ban_confpath", tree.directory)
            store.provideDefault("bailiff_confpath", tree.directory)
        } catch {
            outcome.errors.append(error)
            return outcome
        }
        for name in store.sections.keys where name != "INCLUDES" && name != "Definition" && name != "Init" {
            let location = store.sectionLocations[name]
            let enabled: Bool
            do {
                enabled = try ValueParsing.bool(try store.get(name, "enabled") ?? "false")
            } catch {
                outcome.errors.append(ConfigError("jail [\(name)]: enabled: \(error.message)", at: store.location(of: name, "enabled") ?? location))
                continue
            }
            guard enabled || includeDisabled else { continue }
            do {
                let jail = try loadJail(name, enabled: enabled, store: store)
                if enabled, let warning = Self.fileBackendWarning(jail, at: store.location(of: name, "backend") ?? location) {
                    outcome.warnings.append(warning)
                }
                outcome.jails.append(jail)
            } catch {
                let problem = ConfigError("jail [\(name)]: \(error.message)", at: error.location ?? location)
                if enabled { outcome.errors.append(problem) } else { outcome.warnings.append(problem) }
            }
        }
        return outcome
    }

    /// fail2ban's file backends (auto, polling, pyinotify, gamin) read `logpath`; bailiff reads
    /// only the journal, so a jail carried over with one of them must not fail silently.
    static func fileBackendWarning(_ jail: JailDefinition, at location: SourceLocation?) -> ConfigError? {
        let backend = jail.backend.trimmingWhitespace()
        if backend == "systemd" || backend.hasPrefix("systemd[") { return nil }
        let files = jail.logpath.isEmpty ? "" : " (logpath \(jail.logpath.joined(separator: " ")) is not read)"
        return ConfigError(
            "jail [\(jail.name)]: backend = \(backend): bailiff reads only the systemd journal\(files); "
                + "the jail sees the journal entries its filter's journalmatch selects. Set backend = systemd once the service logs to the journal",
            at: location)
    }

    func loadJail(_ name: String, enabled: Bool, store: ConfigStore) throws(ConfigError) -> JailDefinition {
        var options = OrderedDictionary<String, String>()
        var names = JailLoader.jailOptions
        for own in store.ownOptions(name) where !names.contains(own) { names.append(own) }
        for option in names {
            do {
                if let value = try store.get(name, option) { options[option] = value }
            } catch {
                // Options nobody reads may hold templates for others; only report what is used.
                if JailLoader.jailOptions.contains(option) || store.ownOptions(name).contains(option) { throw error }
            }
        }
        func parsed<T>(_ option: String, _ parse: (String) throws(ConfigError) -> T) throws(ConfigError) -> T? {
            guard let value = options[option] else { return nil }
            do throws(ConfigError) { return try parse(value) } catch {
                throw ConfigError("\(option): \(error.message)", at: store.location(of: name, option))
            }
        }
        let maxretry = try parsed("maxretry", ValueParsing.integer) ?? 5
        let findtime = try parsed("findtime", ValueParsing.duration) ?? 600
        let bantime = try parsed("bantime", ValueParsing.duration) ?? 600
        for option in ["bantime.maxtime", "bantime.rndtime"] { _ = try parsed(option, ValueParsing.duration) }
        for option in ["bantime.increment", "bantime.overalljails", "ignoreself"] { _ = try parsed(option, ValueParsing.bool) }
        let backend = options["backend"] ?? "auto"

        var jailOptions: [String: String] = [:]
        for (key, value) in options { jailOptions[key] = value }

        var filter: FilterDefinition?
        if let text = options["filter"], !text.isEmpty {
            let reference: NamedReference
            do throws(ConfigError) { reference = try NamedReference.parse(text) } catch {
                throw ConfigError("filter: \(error.message)", at: store.location(of: name, "filter"))
            }
            let filterVars = jailOptions.filter { ["enabled", "backend", "filter"].contains($0.key) }
            var loaded = try FilterLoader(tree: tree).load(reference, jailOptions: filterVars, backend: backend)
            // Regexes set in the jail itself are added to the filter's; other filter settings replace it.
            let jailLocation = store.location(of: name, "failregex") ?? SourceLocation(file: "jail", line: 0)
            for (option, path) in [("failregex", \FilterDefinition.failregex), ("ignoreregex", \FilterDefinition.ignoreregex)] {
                guard let value = store.sections[name]?[option] != nil ? options[option] : nil else { continue }
                for line in value.split(separator: "\n") where !line.isEmpty {
                    loaded[keyPath: path].append(FilterDefinition.Regex(text: String(line), location: store.location(of: name, option) ?? jailLocation))
                }
            }
            if store.sections[name]?["maxlines"] != nil, let value = try parsed("maxlines", ValueParsing.integer) {
                loaded.maxlines = value
            }
            if store.sections[name]?["datepattern"] != nil, let value = options["datepattern"] { loaded.datepattern = value }
            if store.sections[name]?["journalmatch"] != nil, let value = options["journalmatch"] {
                var matches: [[String]] = []
                for line in value.split(separator: "\n") {
                    do throws(ShellWords.Failure) { matches.append(try ShellWords.split(line)) } catch {
                        throw ConfigError("journalmatch: \(error) in '\(line)'", at: store.location(of: name, "journalmatch") ?? jailLocation)
                    }
                }
                loaded.journalmatch = matches.filter { !$0.isEmpty }
            }
            filter = loaded
        }

        var actions: [ActionDefinition] = []
        if let text = options["action"] {
            let references: [NamedReference]
            do throws(ConfigError) { references = try NamedReference.splitList(text) } catch {
                throw ConfigError("action: \(error.message)", at: store.location(of: name, "action"))
            }
            for reference in references where !reference.name.hasSuffix(".py") {
                actions.append(try ActionLoader(tree: tree).load(reference, jailName: name, jailOptions: jailOptions))
            }
        }
        return JailDefinition(
            name: name, enabled: enabled, location: store.sectionLocations[name], filter: filter, actions: actions,
            maxretry: maxretry, findtime: findtime, bantime: bantime, backend: backend,
            logpath: (options["logpath"] ?? "").split(separator: "\n").map { $0.trimmingWhitespace() }.filter { !$0.isEmpty },
            ignoreip: ValueParsing.words(options["ignoreip"] ?? ""),
            options: options
        )
    }
}
