import OrderedCollections

/// Resolves a filter or action file (`[Definition]` + `[Init]`) with the parameters a
/// jail passes (`name[k=v]`), as fail2ban does: parameters and `[Init]` values take
/// precedence over `[Definition]` for `%(name)s`, then `<tag>` references are resolved
/// among the options, the file's other options and other sections (`<lt_file/x>`).
struct DefinitionReader {
    let store: ConfigStore
    /// The options fail2ban reads from `[Definition]` for this kind of file.
    let configOptions: [String]

    struct Result {
        var combined: OrderedDictionary<String, String>
        var initOptions: OrderedDictionary<String, String>
        var vars: [String: String]
    }

    func resolve(
        parameters: OrderedDictionary<String, String>,
        jailOptions: [String: String],
        ignore: Set<String> = [],
        conditional: String? = nil
    ) throws(ConfigError) -> Result {
        var initOptions = parameters
        // [Init] values are defaults for the parameters; `known/NAME` keeps the file's own.
        for option in store.ownOptions("Init") {
            let value = try store.get("Init", option) ?? ""
            if !option.hasPrefix("known/") { initOptions["known/" + option] = value }
            if initOptions[option] == nil { initOptions[option] = value }
        }
        var vars = jailOptions
        for (key, value) in initOptions { vars[key] = value }

        var combined = OrderedDictionary<String, String>()
        if store.hasSection("Definition") {
            for option in configOptions where vars[option] == nil {
                guard store.raw("Definition", option) != nil else { continue }
                combined[option] = try store.get("Definition", option, vars: vars)
            }
        }
        for (key, value) in initOptions { combined[key] = value }

        var ignored = ignore
        for key in combined.keys {
            if let mark = key.firstIndex(of: "?"), mark != key.startIndex { ignored.insert(String(key[..<mark])) }
        }
        let store = self.store
        let resolved = try TagSubstitution.resolve(combined, ignore: ignored, conditional: conditional) { (name: String) throws(ConfigError) -> String? in
            guard store.hasSection("Definition") || name.contains("/") else { return nil }
            return try store.getQualified("Definition", name, vars: vars)
        }
        return Result(combined: resolved, initOptions: initOptions, vars: vars)
    }

    /// Resolves one more `<tag>`-bearing text in the same context (used for options
    /// outside `configOptions`, such as `logtype`).
    func lookup(_ name: String, vars: [String: String]) throws(ConfigError) -> String? {
        if let value = vars[name] { return value }
        guard store.hasSection("Definition") else { return store.defaults[name]?.text }
        return try store.get("Definition", name, vars: vars)
    }
}
