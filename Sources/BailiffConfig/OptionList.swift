import OrderedCollections

/// A reference such as `sshd[mode=aggressive]` or
/// `iptables[port="ssh,sftp", protocol=tcp][name=ssh]`: a name and its parameters.
public struct NamedReference: Sendable, Equatable, CustomStringConvertible {
    public var name: String
    public var parameters: OrderedDictionary<String, String>

    public init(name: String, parameters: OrderedDictionary<String, String> = [:]) {
        self.name = name
        self.parameters = parameters
    }

    public var description: String {
        guard !parameters.isEmpty else { return name }
        let list = parameters.map { key, value in
            value.contains(where: { $0 == "," || $0 == "]" || $0 == " " || $0 == "\"" }) ? "\(key)='\(value)'" : "\(key)=\(value)"
        }
        return "\(name)[\(list.joined(separator: ", "))]"
    }

    /// Parses `name[k=v, k2="a,b", k3='c'][k4=d]`.
    public static func parse(_ text: String) throws(ConfigError) -> NamedReference {
        let trimmed = text.trimmingWhitespace()
        guard let open = trimmed.firstIndex(of: "[") else {
            guard !trimmed.isEmpty else { throw ConfigError("expected a name, found nothing") }
            return NamedReference(name: trimmed)
        }
        let name = String(trimmed[..<open]).trimmingWhitespace()
        guard !name.isEmpty else { throw ConfigError("expected a name before '[' in '\(text)'") }
        var parameters = OrderedDictionary<String, String>()
        let chars = Array(trimmed[open...])
        var index = 0
        func fail(_ what: String) -> ConfigError {
            ConfigError("\(what) at column \(trimmed.distance(from: trimmed.startIndex, to: open) + index + 1) in '\(text)'")
        }
        while index < chars.count {
            guard chars[index] == "[" else { throw fail("expected '['") }
            index += 1
            while true {
                while index < chars.count, chars[index].isWhitespace { index += 1 }
                guard index < chars.count else { throw fail("expected ']'") }
                if chars[index] == "]" { index += 1; break }
                var key = ""
                while index < chars.count, chars[index].isLetter || chars[index].isNumber || "_-.".contains(chars[index]) {
                    key.append(chars[index]); index += 1
                }
                guard !key.isEmpty else { throw fail("expected a parameter name") }
                guard index < chars.count, chars[index] == "=" else { throw fail("expected '=' after '\(key)'") }
                index += 1
                var value = ""
                if index < chars.count, chars[index] == "\"" || chars[index] == "'" {
                    let quote = chars[index]
                    index += 1
                    while index < chars.count, chars[index] != quote { value.append(chars[index]); index += 1 }
                    guard index < chars.count else { throw fail("expected closing \(quote)") }
                    index += 1
                    while index < chars.count, chars[index].isWhitespace { index += 1 }
                } else {
                    while index < chars.count, chars[index] != ",", chars[index] != "]" { value.append(chars[index]); index += 1 }
                }
                parameters[key] = value.trimmingWhitespace()
                guard index < chars.count else { throw fail("expected ']'") }
                if chars[index] == "," { index += 1; continue }
                if chars[index] == "]" { index += 1; break }
                throw fail("expected ',' or ']'")
            }
            while index < chars.count, chars[index].isWhitespace { index += 1 }
        }
        return NamedReference(name: name, parameters: parameters)
    }

    /// Splits a multi-line or space-separated list of references (`action = a[...]\n b`),
    /// keeping brackets and quotes together.
    public static func splitList(_ text: String) throws(ConfigError) -> [NamedReference] {
        var items: [String] = []
        var current = ""
        var depth = 0
        var quote: Character?
        for character in text {
            if let open = quote {
                current.append(character)
                if character == open { quote = nil }
                continue
            }
            if depth > 0, character == "\"" || character == "'" {
                // A quote only opens right after '=' (a parameter value).
                if let last = current.last(where: { !$0.isWhitespace }), last == "=" { quote = character }
                current.append(character)
                continue
            }
            if character == "[" { depth += 1 }
            if character == "]" { depth = max(0, depth - 1) }
            if character.isWhitespace, depth == 0 {
                // `name [k=v]` is one item: a following '[' continues it.
                if !current.isEmpty { items.append(current); current = "" }
                continue
            }
            if character == "[", depth == 1, current.isEmpty, let last = items.popLast() {
                current = last
            }
            current.append(character)
        }
        if !current.isEmpty { items.append(current) }
        var references: [NamedReference] = []
        for item in items { references.append(try parse(item)) }
        return references
    }
}
