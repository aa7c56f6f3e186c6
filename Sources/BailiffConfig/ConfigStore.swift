import OrderedCollections

/// A set of configuration files merged in reading order, as fail2ban merges them:
/// later files override earlier ones option by option, the values they replace stay
/// reachable as `known/NAME`, and `[Section?cond=value]` folds into `[Section]` with
/// conditional option names.
public struct ConfigStore: Sendable {
    public private(set) var defaults = SectionOptions()
    public private(set) var sections = OrderedDictionary<String, SectionOptions>()
    /// Values replaced by a later file, per section (fail2ban's `KNOWN/section`).
    public private(set) var known: [String: SectionOptions] = [:]
    public private(set) var sectionLocations: [String: SourceLocation] = [:]
    /// Files in the order they were merged.
    public private(set) var files: [String] = []

    public init() {}

    public mutating func merge(_ file: IniFile) {
        files.append(file.path)
        for (name, value) in file.defaults { defaults[name] = value }
        for (rawName, options) in file.sections {
            var name = rawName
            var renamed = options
            if let mark = rawName.firstIndex(of: "?"), mark != rawName.startIndex,
               rawName[..<mark].allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) {
                name = String(rawName[..<mark])
                let condition = String(rawName[mark...])
                renamed = SectionOptions(uniqueKeysWithValues: options.map { ($0.key + condition, $0.value) })
            }
            if var existing = sections[name] {
                for (key, value) in renamed {
                    if let old = existing[key] { known[name, default: [:]][key] = old }
                    existing[key] = value
                }
                sections[name] = existing
            } else {
                sections[name] = renamed
                if let line = file.sectionLines[rawName] {
                    sectionLocations[name] = SourceLocation(file: file.path, line: line)
                }
            }
        }
    }

    /// Sets a `[DEFAULT]` value unless a file already does (built-in values such as the
    /// configuration path).
    public mutating func provideDefault(_ name: String, _ value: String) {
        if defaults[name] == nil { defaults[name] = RawValue(value, at: SourceLocation(file: "(built-in)", line: 0)) }
    }

    public func hasSection(_ name: String) -> Bool { sections[name] != nil }

    /// Names of the section's own options, without `[DEFAULT]`.
    public func ownOptions(_ section: String) -> [String] {
        sections[section].map { Array($0.keys) } ?? []
    }

    /// The raw (uninterpolated) value as a section sees it.
    public func raw(_ section: String, _ option: String, vars: [String: String] = [:]) -> RawValue? {
        if let value = vars[option] { return RawValue(value, at: SourceLocation(file: "(parameter)", line: 0)) }
        if section == IniFile.defaultSection { return defaults[option] }
        return sections[section]?[option] ?? defaults[option]
    }

    /// The value of `option` in `section` with `%(name)s` references expanded; nil when unset.
    /// `vars` take precedence over the files, as the parameters of `filter = name[k=v]` do.
    public func get(_ section: String, _ option: String, vars: [String: String] = [:]) throws(ConfigError) -> String? {
        let option = option.lowercased()
        guard let value = raw(section, option, vars: vars) else { return nil }
        return try Interpolator(store: self, section: section, vars: vars).expand(value.text, at: value.location)
    }

    /// Like `get`, but also understands `section/option`, `known/option` and
    /// `default/option` names, as used by `<tag>` substitution.
    public func getQualified(_ section: String, _ option: String, vars: [String: String] = [:]) throws(ConfigError) -> String? {
        if let slash = option.firstIndex(of: "/") {
            let target = String(option[..<slash])
            let name = String(option[option.index(after: slash)...]).lowercased()
            switch target.lowercased() {
            case "known":
                if let value = known[section]?[name] {
                    return try Interpolator(store: self, section: section, vars: [:]).expand(value.text, at: value.location)
                }
                if let value = try get(section, name) { return value }
            case "default":
                if let value = try get(IniFile.defaultSection, name) { return value }
            default:
                if hasSection(target), let value = try get(target, name) { return value }
            }
        }
        return try get(section, option, vars: vars)
    }

    public func location(of section: String, _ option: String) -> SourceLocation? {
        raw(section, option.lowercased())?.location ?? sectionLocations[section]
    }
}
