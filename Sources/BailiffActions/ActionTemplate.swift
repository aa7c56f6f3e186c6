import BailiffConfig

/// An action's commands ready to render: static and family tags resolved for each
/// address family, per-ban tags parsed, batch lines checked.
public struct ActionTemplate: Sendable {
    /// The action's instance name within its jail (`actname`).
    public let name: String
    /// The action file, for messages.
    public let file: String
    /// How long one command may run (the action's `timeout` option, 60 s by default).
    public let timeout: Duration

    private let commands: [AddressFamily: [ActionCommand: CommandTemplate]]

    /// Builds the template from a definition whose options already hold every command,
    /// plus `extensions` (extension commands by option name).
    public init(_ definition: ActionDefinition, extensions: [String: String] = [:]) throws(ConfigError) {
        name = definition.name
        file = definition.file
        let location = SourceLocation(file: definition.files.last ?? definition.file, line: 0)
        func problem(_ message: String) -> ConfigError {
            ConfigError("action '\(definition.name)': \(message)", at: location)
        }

        if let text = definition.initOptions["timeout"] {
            let seconds: Double
            do throws(ConfigError) { seconds = try ValueParsing.duration(text) } catch {
                throw problem("timeout: \(error.message)")
            }
            guard seconds > 0 else { throw problem("timeout: expected a positive duration such as 60 or 2m, found '\(text)'") }
            timeout = .milliseconds(Int64((seconds * 1000).rounded()))
        } else {
            timeout = .seconds(60)
        }

        var options = definition.initOptions
        for (key, value) in definition.commands { options[key] = value }
        for (key, value) in extensions { options[key] = value }
        var commands: [AddressFamily: [ActionCommand: CommandTemplate]] = [:]
        for family in AddressFamily.allCases {
            options["family"] = family.rawValue
            let resolved: [String: String]
            do throws(ConfigError) {
                let values = try TagSubstitution.resolve(options, ignore: TicketTags.perBan, conditional: family.condition)
                resolved = Dictionary(uniqueKeysWithValues: values.map { ($0.key, $0.value) })
            } catch {
                throw problem(error.message)
            }
            var templates: [ActionCommand: CommandTemplate] = [:]
            for command in ActionCommand.allCases {
                guard let text = resolved[command.rawValue] else { continue }
                let template = command.isBatchItem ? CommandTemplate(line: text) : CommandTemplate(shell: text)
                if !template.isEmpty { templates[command] = template }
            }
            commands[family] = templates
        }
        self.commands = commands
        try ActionTemplate.checkBatches(commands, problem)
    }

    /// Builds the template from a definition loaded by `ActionLoader`, reading the
    /// extension commands from the action's files in `tree`.
    public init(_ definition: ActionDefinition, tree: ConfigTree, jailOptions: [String: String] = [:]) throws(ConfigError) {
        try self.init(definition, extensions: try ActionExtensionReader.read(definition, tree: tree, jailOptions: jailOptions))
    }

    /// Whether the action defines `command` (for either family).
    public func defines(_ command: ActionCommand) -> Bool {
        AddressFamily.allCases.contains { commands[$0]?[command] != nil }
    }

    /// The command for `family` with the ticket's tags filled in; nil when the action
    /// does not define it (a no-op).
    public func render(_ command: ActionCommand, family: AddressFamily, ticket: BanTicket? = nil) -> RenderedCommand? {
        commands[family]?[command]?.render(for: ticket)
    }

    /// Batch lines go to a firewall tool, not a shell, so only values bailiff formats
    /// itself may appear in them; and a batch command needs its line and back.
    private static func checkBatches(
        _ commands: [AddressFamily: [ActionCommand: CommandTemplate]], _ problem: (String) -> ConfigError
    ) throws(ConfigError) {
        let pairs: [(ActionCommand, ActionCommand)] = [(.banBatch, .banBatchItem), (.unbanBatch, .unbanBatchItem)]
        for family in AddressFamily.allCases {
            let defined = commands[family] ?? [:]
            for (batch, item) in pairs {
                if defined[batch] != nil, defined[item] == nil {
                    throw problem("\(batch) needs \(item), the line written to its standard input for each address")
                }
                if defined[item] != nil, defined[batch] == nil {
                    throw problem("\(item) needs \(batch), the command that reads those lines")
                }
                for tag in defined[item]?.tagNames ?? [] where !TicketTags.formatted.contains(tag) {
                    let allowed = TicketTags.formatted.sorted().map { "<\($0)>" }.joined(separator: ", ")
                    let reason = TicketTags.isLogText(tag)
                        ? "is text from the log, and batch lines are read by the firewall tool without quoting"
                        : "is not an option of the action"
                    throw problem("\(item) uses <\(tag)>, which \(reason); batch lines may use \(allowed) and the action's own options")
                }
            }
        }
    }
}
