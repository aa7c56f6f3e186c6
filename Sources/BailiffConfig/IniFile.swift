import OrderedCollections

/// One option's raw text and where it was written.
public struct RawValue: Sendable, Equatable {
    public var text: String
    public var location: SourceLocation

    public init(_ text: String, at location: SourceLocation) {
        self.text = text
        self.location = location
    }
}

/// Options of one section, in file order. Names are lower-cased as fail2ban's parser does.
public typealias SectionOptions = OrderedDictionary<String, RawValue>

/// One parsed file of the fail2ban configuration dialect (Python ConfigParser rules):
/// `[section]` headers, `key = value` or `key: value`, indented continuation lines,
/// `#`/`;` comment lines and ` ;` inline comments.
public struct IniFile: Sendable {
    public let path: String
    public private(set) var defaults = SectionOptions()
    public private(set) var sections = OrderedDictionary<String, SectionOptions>()
    /// Line of each section's header, for messages.
    public private(set) var sectionLines: [String: Int] = [:]

    public static let defaultSection = "DEFAULT"

    public init(path: String, text: String) throws(ConfigError) {
        self.path = path
        try parse(text)
    }

    private mutating func parse(_ text: String) throws(ConfigError) {
        var current: String?          // nil before the first header
        var option: String?           // option receiving continuation lines
        var pending: [String] = []    // lines of that option's value
        var optionLine = 0
        var indentLevel = 0
        var seenSections = Set<String>()
        var seenOptions = Set<String>()

        func flush() {
            guard let name = option, let section = current else { return }
            // Python joins the value lines with newlines and drops trailing blank lines.
            var joined = pending.joined(separator: "\n")
            while let last = joined.last, last.isWhitespace { joined.removeLast() }
            let value = RawValue(joined, at: SourceLocation(file: path, line: optionLine))
            if section == IniFile.defaultSection { defaults[name] = value } else { sections[section, default: [:]][name] = value }
            option = nil
            pending = []
        }

        var lineNumber = 0
        // "\r\n" is a single Character in Swift: treat it as a line break too.
        for rawLine in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }) {
            lineNumber += 1
            var line = Substring(rawLine)
            if line.last == "\r" { line = line.dropLast() }
            let value = IniFile.stripComments(line)
            if value.isEmpty {
                // An empty line inside a value is kept; a comment line is dropped.
                if option != nil, !IniFile.isCommentLine(line) { pending.append("") }
                continue
            }
            let indent = line.prefix { $0 == " " || $0 == "\t" }.count
            if option != nil, indent > indentLevel {
                pending.append(value)
                continue
            }
            flush()
            indentLevel = indent
            if value.hasPrefix("["), value.hasSuffix("]"), value.count > 2 {
                let name = String(value.dropFirst().dropLast())
                if seenSections.contains(name) {
                    throw ConfigError("section [\(name)] appears twice in this file", at: SourceLocation(file: path, line: lineNumber))
                }
                seenSections.insert(name)
                current = name
                if name != IniFile.defaultSection, sections[name] == nil {
                    sections[name] = [:]
                    sectionLines[name] = lineNumber
                }
                continue
            }
            guard let section = current else {
                throw ConfigError("expected a [section] header before '\(value)'", at: SourceLocation(file: path, line: lineNumber))
            }
            guard let delimiter = value.firstIndex(where: { $0 == "=" || $0 == ":" }) else {
                throw ConfigError("expected 'name = value', found '\(value)'", at: SourceLocation(file: path, line: lineNumber))
            }
            let name = value[..<delimiter].trimmingWhitespace().lowercased()
            guard !name.isEmpty else {
                throw ConfigError("expected an option name before '\(value[delimiter])'", at: SourceLocation(file: path, line: lineNumber))
            }
            let key = section + "\u{1}" + name
            if seenOptions.contains(key) {
                throw ConfigError("option '\(name)' is set twice in section [\(section)]", at: SourceLocation(file: path, line: lineNumber))
            }
            seenOptions.insert(key)
            option = name
            optionLine = lineNumber
            pending = [String(value[value.index(after: delimiter)...].trimmingWhitespace())]
        }
        flush()
    }

    static func isCommentLine(_ line: Substring) -> Bool {
        let trimmed = line.drop { $0 == " " || $0 == "\t" }
        return trimmed.hasPrefix("#") || trimmed.hasPrefix(";")
    }

    /// Removes full-line comments and ` ;` inline comments, then surrounding space.
    static func stripComments(_ line: Substring) -> String {
        if isCommentLine(line) { return "" }
        var end = line.endIndex
        var previous: Character = " "
        var index = line.startIndex
        while index < line.endIndex {
            let character = line[index]
            if character == ";", previous.isWhitespace { end = index; break }
            previous = character
            index = line.index(after: index)
        }
        return line[..<end].trimmingWhitespace()
    }
}

extension StringProtocol {
    /// The text without leading and trailing whitespace.
    public func trimmingWhitespace() -> String {
        guard let first = firstIndex(where: { !$0.isWhitespace }) else { return "" }
        let last = lastIndex(where: { !$0.isWhitespace })!
        return String(self[first...last])
    }
}
