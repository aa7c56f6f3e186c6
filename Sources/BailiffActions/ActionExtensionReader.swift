import BailiffConfig

/// Reads bailiff's extension commands (`actionban_batch`, `actionlist`...) from an
/// action's `[Definition]`, resolved the way the action's own commands are: `%(name)s`
/// with the jail's options and the action's parameters, then `<tag>` references.
/// Values set as parameters or in `[Init]` are already among the definition's options.
enum ActionExtensionReader {
    /// Tags the configuration loader leaves for run time.
    private static let runtimeTags: Set<String> = ["matches", "ipmatches", "ipjailmatches", "timeout", "bantime"]

    static func read(
        _ definition: ActionDefinition, tree: ConfigTree, jailOptions: [String: String]
    ) throws(ConfigError) -> [String: String] {
        let wanted = ActionCommand.extensions.map(\.rawValue).filter {
            definition.commands[$0] == nil && definition.initOptions[$0] == nil
        }
        var unit = definition.file
        if unit.hasSuffix(".conf") { unit.removeLast(5) }
        if !unit.contains("/") { unit = "action.d/" + unit }
        guard !wanted.isEmpty, let store = try tree.load(unit), store.hasSection("Definition") else { return [:] }

        var vars = jailOptions
        for (key, value) in definition.initOptions { vars[key] = value }
        var options = definition.initOptions
        var found: [String] = []
        for name in wanted where store.raw("Definition", name) != nil {
            options[name] = try store.get("Definition", name, vars: vars) ?? ""
            found.append(name)
        }
        guard !found.isEmpty else { return [:] }

        // Family variants are chosen when the commands are rendered for a family.
        var ignore = runtimeTags.union(TicketTags.perBan)
        for key in options.keys {
            if let mark = key.firstIndex(of: "?"), mark != key.startIndex { ignore.insert(String(key[..<mark])) }
        }
        let resolved = try TagSubstitution.resolve(options, ignore: ignore) { (name: String) throws(ConfigError) -> String? in
            try store.getQualified("Definition", name, vars: vars)
        }
        var result: [String: String] = [:]
        for name in found { result[name] = resolved[name] }
        return result
    }
}
