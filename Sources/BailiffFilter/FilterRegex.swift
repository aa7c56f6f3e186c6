import BailiffConfig

/// One compiled filter regex (prefregex, failregex or ignoreregex) with the group
/// numbers the engine reads, looked up once at compile time.
public final class FilterRegex: @unchecked Sendable {
    public let original: String
    public let location: SourceLocation
    public let pattern: Pattern
    /// Every named group, for capturing values (`user`, `alt_user`, ...).
    let groups: [(name: String, number: Int)]
    let ip4: [Int], ip6: [Int], dns: [Int], fid: [Int], cidr: [Int], mlfid: [Int], content: [Int]
    let skipLineGroups: [Int]
    /// `alt_NAME[_N]` groups that fill `NAME` when it is empty.
    let alternates: [(group: String, target: String)]

    public init(_ definition: FilterDefinition.Regex, multiline: Bool, useDNS: Bool) throws(ConfigError) {
        original = definition.text
        location = definition.location
        let expanded = FilterTags.expand(definition.text, useDNS: useDNS)
        do {
            pattern = try Pattern(python: expanded, options: multiline ? [.multiline] : [])
        } catch {
            throw ConfigError("invalid regex (\(error.reason) at offset \(error.offset)): \(definition.text)", at: definition.location)
        }
        groups = pattern.namedGroups
        ip4 = pattern.groupNumbers(named: "ip4")
        ip6 = pattern.groupNumbers(named: "ip6")
        dns = pattern.groupNumbers(named: "dns")
        fid = pattern.groupNumbers(named: "fid")
        cidr = pattern.groupNumbers(named: "cidr")
        mlfid = pattern.groupNumbers(named: "mlfid")
        content = pattern.groupNumbers(named: "content")
        skipLineGroups = groups.filter { $0.name.hasPrefix("skiplines") }.map(\.number)
        var alternates: [(String, String)] = []
        for (name, _) in groups where name.hasPrefix("alt_") {
            var target = String(name.dropFirst(4))
            if let underscore = target.lastIndex(of: "_"), target[target.index(after: underscore)...].allSatisfy(\.isNumber),
               target.index(after: underscore) < target.endIndex {
                target = String(target[..<underscore])
            }
            alternates.append((name, FilterTags.groupName(forTag: target)))
        }
        self.alternates = alternates.sorted { $0.0 < $1.0 }
    }

    /// Whether the regex can name a failure by itself (an address, host or id group).
    var hasFailureID: Bool { !(ip4.isEmpty && ip6.isEmpty && dns.isEmpty && fid.isEmpty && mlfid.isEmpty) }

    /// The named groups of the last match, with alternates merged in (empty values dropped
    /// only where fail2ban drops them: unset groups).
    func captures(_ scratch: MatchScratch) -> [String: String] {
        FilterRegex.captures(scratch, groups: groups, alternates: alternates)
    }

    static func captures(_ scratch: MatchScratch, groups: [(name: String, number: Int)], alternates: [(group: String, target: String)]) -> [String: String] {
        var values: [String: String] = [:]
        for (name, number) in groups where !name.hasPrefix("skiplines") {
            if let value = scratch.string(ofGroup: number) { values[name] = value }
        }
        for (group, target) in alternates {
            if let value = values[group], !value.isEmpty, (values[target] ?? "").isEmpty { values[target] = value }
        }
        return values
    }
}
