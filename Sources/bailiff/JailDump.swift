import BailiffConfig
import OrderedCollections

/// A jail as `config dump` shows it.
struct JailDump: Encodable {
    struct Filter: Encodable {
        var name: String
        var parameters: [String: String]
        var files: [String]
        var logtype: String
        var prefregex: String?
        var failregex: [String]
        var ignoreregex: [String]
        var maxlines: Int
        var datepattern: String?
        var journalmatch: [[String]]
    }
    struct Action: Encodable {
        var name: String
        var file: String
        var parameters: [String: String]
        var commands: [String: String]
    }

    var name: String
    var enabled: Bool
    var maxretry: Int
    var findtime: Double
    var bantime: Double
    var backend: String
    var logpath: [String]
    var ignoreip: [String]
    var filter: Filter?
    var actions: [Action]

    init(_ jail: JailDefinition) {
        name = jail.name
        enabled = jail.enabled
        maxretry = jail.maxretry
        findtime = jail.findtime
        bantime = jail.bantime
        backend = jail.backend
        logpath = jail.logpath
        ignoreip = jail.ignoreip
        filter = jail.filter.map { filter in
            Filter(
                name: filter.name, parameters: Dictionary(uniqueKeysWithValues: filter.parameters.map { ($0.key, $0.value) }),
                files: filter.files, logtype: filter.logtype, prefregex: filter.prefregex?.text,
                failregex: filter.failregex.map(\.text), ignoreregex: filter.ignoreregex.map(\.text),
                maxlines: filter.maxlines, datepattern: filter.datepattern, journalmatch: filter.journalmatch
            )
        }
        actions = jail.actions.map { action in
            Action(
                name: action.name, file: action.file,
                parameters: Dictionary(uniqueKeysWithValues: action.parameters.map { ($0.key, $0.value) }),
                commands: Dictionary(uniqueKeysWithValues: action.commands.map { ($0.key, $0.value) })
            )
        }
    }

    var text: String {
        var lines = ["[\(name)]", "  enabled    = \(enabled)", "  maxretry   = \(maxretry)",
                     "  findtime   = \(Int(findtime))", "  bantime    = \(Int(bantime))", "  backend    = \(backend)"]
        if !logpath.isEmpty { lines.append("  logpath    = \(logpath.joined(separator: " "))") }
        if !ignoreip.isEmpty { lines.append("  ignoreip   = \(ignoreip.joined(separator: " "))") }
        if let filter {
            let parameters = filter.parameters.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ", ")
            lines.append("  filter     = \(filter.name)\(parameters.isEmpty ? "" : "[\(parameters)]") (logtype \(filter.logtype), maxlines \(filter.maxlines))")
            if let prefregex = filter.prefregex { lines.append("    prefregex   = \(prefregex)") }
            for (index, regex) in filter.failregex.enumerated() { lines.append("    failregex \(index + 1) = \(regex)") }
            for (index, regex) in filter.ignoreregex.enumerated() { lines.append("    ignoreregex \(index + 1) = \(regex)") }
            if let datepattern = filter.datepattern { lines.append("    datepattern = \(datepattern)") }
            for match in filter.journalmatch { lines.append("    journalmatch = \(match.joined(separator: " "))") }
        }
        for action in actions {
            lines.append("  action     = \(action.name) (\(action.file))")
            for (key, value) in action.commands.sorted(by: { $0.key < $1.key }) where !value.isEmpty {
                let body = value.split(separator: "\n").joined(separator: "\n" + String(repeating: " ", count: 8 + key.count))
                lines.append("    \(key) = \(body)")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
