import OrderedCollections

/// Replaces `<tag>` references between the options of a filter or action, innermost
/// first, so nested forms such as `<mdre-<mode>>` resolve. Tags that name nothing
/// (`<HOST>`, `<ip>` filled in later) are left in place.
public enum TagSubstitution {
    static let maxReplacements = 25

    /// - Parameters:
    ///   - options: the values to resolve, by lower-case name.
    ///   - ignore: names whose values are left untouched and are never substituted.
    ///   - conditional: a condition such as `family=inet6`; `name?family=inet6` then wins over `name`.
    ///   - lookup: resolves names not among `options` (other sections, `known/...`).
    public static func resolve(
        _ options: OrderedDictionary<String, String>,
        ignore: Set<String> = [],
        conditional: String? = nil,
        lookup: (String) throws(ConfigError) -> String? = { _ throws(ConfigError) in nil }
    ) throws(ConfigError) -> OrderedDictionary<String, String> {
        var tags = options
        var done = Set<String>()
        var counts: [String: [String: Int]] = [:]
        while true {
            var repeatPass = false
            for name in tags.keys {
                if ignore.contains(name) || done.contains(name) { continue }
                let original = tags[name]!
                var value = original
                var replaced = counts[name] ?? [:]
                var searchFrom = value.startIndex
                while let tag = nextTag(in: value, from: searchFrom) {
                    let tagName = String(value[value.index(after: tag.lowerBound)..<value.index(before: tag.upperBound)])
                    if ignore.contains(tagName) { searchFrom = tag.upperBound; continue }
                    if tagName == name || (replaced[tagName] ?? 1) > maxReplacements {
                        throw ConfigError("option '\(name)' refers to itself through <\(tagName)> and cannot be resolved")
                    }
                    var replacement: String?
                    if let conditional { replacement = tags[tagName + "?" + conditional] }
                    if replacement == nil { replacement = tags[tagName] }
                    if replacement == nil { replacement = try lookup(tagName) }
                    guard let replacement else { searchFrom = tag.upperBound; continue }
                    let start = value.distance(from: value.startIndex, to: tag.lowerBound)
                    value = value.replacingAll("<\(tagName)>", with: replacement)
                    replaced[tagName, default: 0] += 1
                    searchFrom = value.index(value.startIndex, offsetBy: min(start, value.count))
                }
                if value != original {
                    if nextTag(in: value, from: value.startIndex) != nil {
                        counts[name] = replaced
                        repeatPass = true
                    }
                    tags[name] = value
                }
                if !value.contains("<") { done.insert(name) }
            }
            if !repeatPass { break }
        }
        return tags
    }

    /// The next `<name>` where name has no space or angle bracket.
    static func nextTag(in value: String, from start: String.Index) -> Range<String.Index>? {
        var index = start
        while let open = value[index...].firstIndex(of: "<") {
            var cursor = value.index(after: open)
            while cursor < value.endIndex {
                let character = value[cursor]
                if character == ">" {
                    if cursor > value.index(after: open) { return open..<value.index(after: cursor) }
                    break
                }
                if character == "<" || character == " " { break }
                cursor = value.index(after: cursor)
            }
            index = value.index(after: open)
            if index >= value.endIndex { return nil }
        }
        return nil
    }
}

extension String {
    func replacingAll(_ target: String, with replacement: String) -> String {
        guard !target.isEmpty, contains(target) else { return self }
        var result = ""
        var rest = Substring(self)
        while let range = rest.firstRange(of: target) {
            result += rest[..<range.lowerBound]
            result += replacement
            rest = rest[range.upperBound...]
        }
        result += rest
        return result
    }
}
