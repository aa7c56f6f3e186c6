/// A command whose static tags are resolved, parsed once into literal text and the
/// per-ban tags still in it.
///
/// Per-ban tags are filled in in one pass, never recursively, so a value cannot bring
/// in a tag of its own. Values bailiff formats itself (address, numbers) are written
/// in place. Text from logs (`<F-USER>`, `<matches>`, `<fid>`...) is never written into
/// the script: each such tag becomes a reference to an environment variable
/// (`BAILIFF_F_USER`) quoted for where the tag stands, so the shell expands it as one
/// plain word and never parses it.
struct CommandTemplate: Sendable {
    enum Segment: Sendable {
        case text(String)
        case tag(String, ShellQuoting)
    }

    let segments: [Segment]

    /// Parses a shell script, noting the quoting around each tag.
    init(shell script: String) {
        self.init(script, trackingQuotes: true)
    }

    /// Parses a batch line, which no shell reads.
    init(line: String) {
        self.init(line, trackingQuotes: false)
    }

    private init(_ text: String, trackingQuotes: Bool) {
        let scalars = Array(text.unicodeScalars)
        var segments: [Segment] = []
        var literal = String.UnicodeScalarView()
        var tracker = ShellQuoteTracker()
        var index = 0
        while index < scalars.count {
            if scalars[index] == "<", let end = CommandTemplate.tagEnd(scalars, from: index) {
                let name = String(String.UnicodeScalarView(scalars[(index + 1)..<(end - 1)]))
                index = end
                // fail2ban's line break and space tags.
                if name == "br" { literal.append("\n"); continue }
                if name == "sp" { literal.append(" "); continue }
                if !literal.isEmpty { segments.append(.text(String(literal))); literal = String.UnicodeScalarView() }
                segments.append(.tag(name, trackingQuotes ? tracker.quoting : .doubleQuoted))
                continue
            }
            let start = index
            if trackingQuotes { tracker.advance(scalars, &index) } else { index += 1 }
            literal.append(contentsOf: scalars[start..<index])
        }
        if !literal.isEmpty { segments.append(.text(String(literal))) }
        self.segments = segments
    }

    /// The index just past `>` when a tag (`<name>`, name without space or angle
    /// brackets) starts at `start`.
    private static func tagEnd(_ scalars: [Unicode.Scalar], from start: Int) -> Int? {
        var index = start + 1
        while index < scalars.count {
            switch scalars[index] {
            case ">": return index > start + 1 ? index + 1 : nil
            case "<", " ", "\t", "\n", "\r": return nil
            default: index += 1
            }
        }
        return nil
    }

    var isEmpty: Bool {
        segments.allSatisfy { segment in
            if case .text(let text) = segment { return text.allSatisfy(\.isWhitespace) }
            return false
        }
    }

    /// The tags left in the command.
    var tagNames: [String] {
        segments.compactMap { segment in
            if case .tag(let name, _) = segment { return name }
            return nil
        }
    }

    /// The command with tags filled in from `ticket`; tags it does not know stay as written.
    func render(for ticket: BanTicket?) -> RenderedCommand {
        var script = ""
        var environment: [String: String] = [:]
        var variables: [String: String] = [:]
        for segment in segments {
            switch segment {
            case .text(let text):
                script += text
            case .tag(let name, let quoting):
                guard let ticket else { script += "<\(name)>"; continue }
                if let value = TicketTags.formattedValue(name, for: ticket) {
                    script += value
                } else if let value = TicketTags.textValue(name, for: ticket) {
                    let variable = variables[name] ?? CommandTemplate.variableName(for: name, avoiding: environment)
                    variables[name] = variable
                    // The environment cannot carry NUL; nothing else is changed.
                    environment[variable] = value.contains("\0") ? String(value.map { $0 == "\0" ? "\u{FFFD}" : $0 }) : value
                    script += quoting.reference(to: variable)
                } else {
                    script += "<\(name)>"
                }
            }
        }
        return RenderedCommand(script: script, environment: environment)
    }

    /// `BAILIFF_` and the tag in upper case with other characters as `_`: `<F-USER>` is
    /// `BAILIFF_F_USER`.
    static func variableName(for tag: String, avoiding taken: [String: String]) -> String {
        var base = "BAILIFF_"
        for byte in tag.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"): base.unicodeScalars.append(Unicode.Scalar(byte - 32))
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"): base.unicodeScalars.append(Unicode.Scalar(byte))
            default: base.append("_")
            }
        }
        var name = base
        var suffix = 2
        while taken[name] != nil {
            name = base + "_\(suffix)"
            suffix += 1
        }
        return name
    }
}
