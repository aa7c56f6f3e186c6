/// Expands `%(name)s` references the way fail2ban's configuration parser does:
/// names are looked up in the parameters, then the section, then `[DEFAULT]`;
/// `%(section/name)s`, `%(known/name)s` and `%(default/name)s` reach other sections;
/// `%(__name__)s` is the section's name; `%%` is a literal percent sign.
struct Interpolator {
    let store: ConfigStore
    let section: String
    let vars: [String: String]

    static let maxDepth = 10

    func expand(_ text: String, at location: SourceLocation, depth: Int = 0) throws(ConfigError) -> String {
        guard text.contains("%") else { return text }
        if depth >= Interpolator.maxDepth {
            throw ConfigError("%(...)s references nest deeper than \(Interpolator.maxDepth) levels (a reference loop?) in '\(text)'", at: location)
        }
        var out = ""
        var rest = Substring(text)
        while let percent = rest.firstIndex(of: "%") {
            out += rest[..<percent]
            let after = rest.index(after: percent)
            guard after < rest.endIndex else {
                throw ConfigError("'%' must be followed by '%' or '(' in '\(text)'", at: location)
            }
            if rest[after] == "%" {
                out += "%"
                rest = rest[rest.index(after: after)...]
                continue
            }
            guard rest[after] == "(", let close = rest[after...].firstIndex(of: ")"),
                  rest.index(after: close) < rest.endIndex, rest[rest.index(after: close)] == "s" else {
                throw ConfigError("expected '%(name)s' or '%%' in '\(text)'", at: location)
            }
            let name = String(rest[rest.index(after: after)..<close]).lowercased()
            guard let (value, valueLocation) = try lookup(name) else {
                throw ConfigError("'%(\(name))s' refers to an option that is not defined (section [\(section)])", at: location)
            }
            out += try expand(value, at: valueLocation, depth: depth + 1)
            rest = rest[rest.index(close, offsetBy: 2)...]
        }
        out += rest
        return out
    }

    private func lookup(_ name: String) throws(ConfigError) -> (String, SourceLocation)? {
        if name == "__name__" { return (section, SourceLocation(file: "(section name)", line: 0)) }
        if let value = store.raw(section, name, vars: vars) { return (value.text, value.location) }
        guard let slash = name.firstIndex(of: "/") else { return nil }
        let target = String(name[..<slash])
        let option = String(name[name.index(after: slash)...])
        switch target {
        case "default":
            break
        case "known":
            if let value = store.known[section]?[option] { return (value.text, value.location) }
        default:
            // Section names keep their case; look for a case-insensitive match too.
            let match = store.hasSection(target) ? target : store.sections.keys.first { $0.lowercased() == target }
            guard let match else { return nil }
            if let value = store.sections[match]?[option] { return (value.text, value.location) }
            return nil
        }
        if let value = store.defaults[option] { return (value.text, value.location) }
        return nil
    }
}
