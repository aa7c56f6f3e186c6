import BailiffConfig

/// One compiled filter regex (prefregex, failregex or ignoreregex) and its named groups.
public final class FilterRegex: @unchecked Sendable {
    public let original: String
    public let location: SourceLocation
    public let pattern: Pattern
    /// Every named group, for capturing values (`user`, `alt_user`, ...).
    let groups: [(name: String, number: Int)]
    /// Groups of the `<F-CONTENT>` capture (prefregex).
    let content: [Int]
    /// Whether the regex can name a failure by itself (an address, host or id group).
    let hasFailureID: Bool
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
        hasFailureID = pattern.namedGroups.contains { ["ip4", "ip6", "dns", "fid", "mlfid"].contains($0.name) }
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
}
