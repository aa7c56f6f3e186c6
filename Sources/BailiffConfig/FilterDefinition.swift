import OrderedCollections

/// A filter fully resolved from `filter.d`: regexes after `%(x)s` and `<tag>`
/// substitution (fail2ban's `<HOST>`-style tags are left for the filter engine).
public struct FilterDefinition: Sendable {
    public struct Regex: Sendable, Equatable {
        public var text: String
        public var location: SourceLocation

        public init(text: String, location: SourceLocation) {
            self.text = text
            self.location = location
        }
    }

    public var name: String
    public var parameters: OrderedDictionary<String, String>
    public var files: [String]
    public var prefregex: Regex?
    public var failregex: [Regex]
    public var ignoreregex: [Regex]
    public var maxlines: Int
    public var datepattern: String?
    /// One entry per `journalmatch` line; each holds `FIELD=value` terms, `+` separating alternatives.
    public var journalmatch: [[String]]
    /// The journalmatch lines as one list of terms, lines joined as alternatives (`+`).
    public var journalmatchWords: [String] {
        var words: [String] = []
        for line in journalmatch where !line.isEmpty {
            if !words.isEmpty { words.append("+") }
            words += line
        }
        return words
    }
    public var usedns: String?
    public var logtype: String
    /// Every resolved option, for display.
    public var options: OrderedDictionary<String, String>

    public var reference: NamedReference { NamedReference(name: name, parameters: parameters) }

    static let configOptions = ["usedns", "prefregex", "ignoreregex", "failregex", "maxlines", "datepattern", "journalmatch"]
}

public struct FilterLoader: Sendable {
    public let tree: ConfigTree

    public init(tree: ConfigTree) { self.tree = tree }

    /// Loads `filter.d/NAME` (or a path to a filter file) with the reference's parameters.
    /// - Parameters:
    ///   - jailOptions: values from the jail, lower precedence than the parameters.
    ///   - backend: the jail's backend; `systemd` makes the default log type `journal`.
    public func load(_ reference: NamedReference, jailOptions: [String: String] = [:], backend: String = "auto") throws(ConfigError) -> FilterDefinition {
        let unit = FilterLoader.unitPath(for: reference.name)
        guard let store = try tree.load(unit) else {
            throw ConfigError("no filter '\(reference.name)': expected \(unit.hasPrefix("/") ? unit : tree.directory + "/" + unit).conf or .local")
        }
        var parameters = reference.parameters
        if parameters["logtype"] == nil, store.sections["Definition"]?["logtype"] == nil {
            parameters["logtype"] = backend.hasPrefix("systemd") ? "journal" : "file"
        }
        let reader = DefinitionReader(store: store, configOptions: FilterDefinition.configOptions)
        let result = try reader.resolve(parameters: parameters, jailOptions: jailOptions)
        let options = result.combined

        func location(_ option: String) -> SourceLocation {
            store.location(of: "Definition", option) ?? SourceLocation(file: store.files.last ?? unit, line: 0)
        }
        func regexes(_ option: String) -> [FilterDefinition.Regex] {
            guard let value = options[option] else { return [] }
            let base = location(option)
            return value.split(separator: "\n", omittingEmptySubsequences: false).enumerated().compactMap { index, line in
                let text = String(line)
                guard !text.isEmpty else { return nil }
                return FilterDefinition.Regex(text: text, location: SourceLocation(file: base.file, line: base.line > 0 ? base.line + index : 0))
            }
        }
        var maxlines = 1
        if let text = options["maxlines"], !text.isEmpty {
            do throws(ConfigError) { maxlines = try ValueParsing.integer(text) } catch { throw ConfigError("maxlines: \(error.message)", at: location("maxlines")) }
            guard maxlines >= 1 else { throw ConfigError("maxlines must be 1 or more, found \(maxlines)", at: location("maxlines")) }
        }
        let prefregex = options["prefregex"].flatMap { $0.isEmpty ? nil : FilterDefinition.Regex(text: $0, location: location("prefregex")) }
        var logtype = options["logtype"]
        if logtype == nil { logtype = try reader.lookup("logtype", vars: result.vars) }
        var journalmatch: [[String]] = []
        for line in (options["journalmatch"] ?? "").split(separator: "\n") {
            let terms: [String]
            do throws(ShellWords.Failure) { terms = try ShellWords.split(line) } catch {
                throw ConfigError("journalmatch: \(error) in '\(line)'", at: location("journalmatch"))
            }
            if !terms.isEmpty { journalmatch.append(terms) }
        }
        return FilterDefinition(
            name: reference.name,
            parameters: reference.parameters,
            files: store.files,
            prefregex: prefregex,
            failregex: regexes("failregex"),
            ignoreregex: regexes("ignoreregex"),
            maxlines: maxlines,
            datepattern: options["datepattern"].flatMap { $0.isEmpty ? nil : $0 },
            journalmatch: journalmatch,
            usedns: options["usedns"],
            logtype: logtype ?? "file",
            options: options
        )
    }

    /// `sshd` → `filter.d/sshd`; `/path/to/x.conf` → `/path/to/x`.
    static func unitPath(for name: String) -> String {
        var path = name
        if path.hasSuffix(".conf") { path.removeLast(5) } else if path.hasSuffix(".local") { path.removeLast(6) }
        if path.contains("/") { return path }
        return "filter.d/" + path
    }
}

extension FilterDefinition {
    /// A filter made of regexes given directly (on a command line), not read from a file.
    public static func literal(failregex: [String], ignoreregex: [String] = [], datepattern: String? = nil, maxlines: Int = 1) -> FilterDefinition {
        let origin = SourceLocation(file: "(command line)", line: 0)
        return FilterDefinition(
            name: "(regex)", parameters: [:], files: [], prefregex: nil,
            failregex: failregex.map { Regex(text: $0, location: origin) },
            ignoreregex: ignoreregex.map { Regex(text: $0, location: origin) },
            maxlines: maxlines, datepattern: datepattern, journalmatch: [], usedns: nil, logtype: "file", options: [:]
        )
    }
}

extension FilterLoader {
    /// Reads what a user typed for a filter: a filter name or path with optional
    /// `[k=v]` parameters, else a literal regex.
    /// - Parameter backend: where lines come from (`systemd` makes the default log type `journal`).
    public func resolve(specifier text: String, ignoreregex: [String] = [], backend: String = "auto") throws(ConfigError) -> FilterDefinition {
        if let reference = try? NamedReference.parse(text), !reference.name.contains(where: { $0 == " " || $0 == "(" || $0 == "\\" }) {
            let unit = FilterLoader.unitPath(for: reference.name)
            if tree.exists(unit) {
                var filter = try load(reference, backend: backend)
                filter.ignoreregex += ignoreregex.map { FilterDefinition.Regex(text: $0, location: SourceLocation(file: "(command line)", line: 0)) }
                return filter
            }
            if reference.name.contains("/") || reference.name.hasSuffix(".conf") {
                throw ConfigError("no filter file \(reference.name)")
            }
        }
        return .literal(failregex: [text], ignoreregex: ignoreregex)
    }
}
