import OrderedCollections

/// An action from `action.d`, resolved with the parameters a jail gives it. Tags filled
/// in per ban (`<ip>`, `<family>`, `<F-USER>`...) stay in the commands.
public struct ActionDefinition: Sendable {
    public var file: String
    /// The action's instance name (`actname`), unique within a jail.
    public var name: String
    public var parameters: OrderedDictionary<String, String>
    public var files: [String]
    /// `actionstart`, `actionban`... with static tags resolved.
    public var commands: OrderedDictionary<String, String>
    /// `[Init]` values and parameters after resolution (including `name?family=inet6` variants).
    public var initOptions: OrderedDictionary<String, String>

    public static let commandOptions = [
        "actionstart", "actionstart_on_demand", "actionstop", "actionflush", "actionreload", "actioncheck",
        "actionrepair", "actionrepair_on_unban", "actionban", "actionprolong", "actionreban", "actionunban", "norestored",
        // bailiff's extensions (docs/actions.md).
        "actionban_batch", "actionban_batch_item", "actionunban_batch", "actionunban_batch_item", "actionlist",
    ]
    /// Tags that are filled in per ban and must never be resolved from the file.
    static let runtimeTags: Set<String> = ["matches", "ipmatches", "ipjailmatches", "timeout", "bantime"]
}

public struct ActionLoader: Sendable {
    public let tree: ConfigTree

    public init(tree: ConfigTree) { self.tree = tree }

    public func load(_ reference: NamedReference, jailName: String, jailOptions: [String: String] = [:]) throws(ConfigError) -> ActionDefinition {
        var unit = reference.name
        if unit.hasSuffix(".conf") { unit.removeLast(5) }
        if !unit.contains("/") { unit = "action.d/" + unit }
        guard let store = try tree.load(unit) else {
            throw ConfigError("no action '\(reference.name)': expected \(unit.hasPrefix("/") ? unit : tree.directory + "/" + unit).conf or .local")
        }
        var parameters = reference.parameters
        let instance = parameters["name"] ?? jailName
        parameters["name"] = instance
        var actname = parameters["actname"] ?? reference.name
        if parameters["actname"] == nil, instance != jailName {
            actname += instance.hasPrefix(jailName) ? String(instance.dropFirst(jailName.count)) : "-" + instance
        }
        parameters["actname"] = actname

        let reader = DefinitionReader(store: store, configOptions: ActionDefinition.commandOptions)
        let result = try reader.resolve(parameters: parameters, jailOptions: jailOptions, ignore: ActionDefinition.runtimeTags)
        var commands = OrderedDictionary<String, String>()
        var initOptions = OrderedDictionary<String, String>()
        for (key, value) in result.combined where !key.hasPrefix("known/") {
            if ActionDefinition.commandOptions.contains(key) { commands[key] = value } else { initOptions[key] = value }
        }
        return ActionDefinition(
            file: reference.name, name: actname, parameters: reference.parameters,
            files: store.files, commands: commands, initOptions: initOptions
        )
    }
}
