import BailiffConfig

/// A jail's `journalmatch`: which journal entries it wants, in fail2ban's syntax.
///
///     _SYSTEMD_UNIT=sshd.service + _COMM=sshd
///
/// Words are `FIELD=value` terms (shell-quoted as needed); a `+` word, or a new line,
/// starts another alternative. An entry matches when it satisfies any alternative; within
/// one alternative, terms on the same field are ORed and terms on different fields are
/// ANDed: sd_journal's own semantics, which `matches(_:)` reproduces exactly.
/// A match without terms matches every entry.
public struct JournalMatch: Equatable, Hashable, Sendable, CustomStringConvertible {
    public struct Term: Equatable, Hashable, Comparable, Sendable, CustomStringConvertible {
        public let field: String
        public let value: String

        public init(field: String, value: String) {
            self.field = field
            self.value = value
        }

        /// `FIELD=value`, as sd_journal_add_match takes it.
        var matchData: [UInt8] { Array(field.utf8) + [UInt8(ascii: "=")] + Array(value.utf8) }

        public var description: String { ShellWords.quote("\(field)=\(value)") }

        public static func < (lhs: Term, rhs: Term) -> Bool {
            (lhs.field, lhs.value) < (rhs.field, rhs.value)
        }
    }

    /// The alternatives, ORed; none means every entry. Empty alternatives are dropped, as
    /// sd_journal_add_disjunction ignores them.
    public let alternatives: [[Term]]

    /// Every entry.
    public static let everything = JournalMatch(checkedAlternatives: [])

    /// A match from terms already split into alternatives; fails on an invalid field name.
    public init(alternatives: [[Term]]) throws(JournalMatchError) {
        for term in alternatives.joined() {
            if let problem = JournalFieldName.problem(with: term.field[...]) {
                throw JournalMatchError(message: "\(problem) in term '\(term)'", line: nil)
            }
        }
        self.init(checkedAlternatives: alternatives)
    }

    private init(checkedAlternatives: [[Term]]) {
        alternatives = checkedAlternatives.filter { !$0.isEmpty }
    }

    /// Parses a `journalmatch` value as fail2ban does: each line is split like a shell
    /// command line (Python's `shlex.split`), and lines are alternatives of each other.
    public init(parsing text: String) throws(JournalMatchError) {
        var alternatives: [[Term]] = []
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        for (index, line) in lines.enumerated() {
            // Line numbers only help when there are several lines.
            let number = lines.count > 1 ? index + 1 : nil
            let words: [String]
            do throws(ShellWords.Failure) {
                words = try ShellWords.split(line)
            } catch {
                switch error {
                case .unclosedQuote(let quote):
                    throw JournalMatchError(message: "no closing \(quote) in '\(line)'", line: number)
                case .trailingBackslash:
                    throw JournalMatchError(message: "a backslash ends '\(line)' with nothing to escape", line: number)
                }
            }
            do throws(JournalMatchError) {
                alternatives += try Self.alternatives(words: words)
            } catch {
                throw JournalMatchError(message: error.message, line: number)
            }
        }
        self.init(checkedAlternatives: alternatives)
    }

    /// Builds a match from words already split, e.g. command-line arguments (`+` separates alternatives).
    public init(words: [String]) throws(JournalMatchError) {
        self.init(checkedAlternatives: try Self.alternatives(words: words))
    }

    private static func alternatives(words: [String]) throws(JournalMatchError) -> [[Term]] {
        var alternatives: [[Term]] = [[]]
        for word in words {
            if word == "+" {
                alternatives.append([])
                continue
            }
            guard let equals = word.firstIndex(of: "=") else {
                throw JournalMatchError(message: "term '\(word)' is not FIELD=value (e.g. _SYSTEMD_UNIT=sshd.service)", line: nil)
            }
            let field = word[..<equals]
            if field.isEmpty {
                throw JournalMatchError(message: "term '\(word)' has an empty field name (expected FIELD=value)", line: nil)
            }
            if let problem = JournalFieldName.problem(with: field) {
                throw JournalMatchError(message: "'\(field)' in term '\(word)' is not a journal field name: \(problem)", line: nil)
            }
            alternatives[alternatives.count - 1].append(Term(field: String(field), value: String(word[word.index(after: equals)...])))
        }
        return alternatives
    }

    /// Whether this match lets every entry through.
    public var matchesEverything: Bool { alternatives.isEmpty }

    /// The fields the match looks at.
    public var fieldNames: Set<String> { Set(alternatives.joined().map(\.field)) }

    public var description: String {
        alternatives.map { $0.map(\.description).joined(separator: " ") }.joined(separator: " + ")
    }

    /// Whether `entry` satisfies the match, by sd_journal's rules (every value of a repeated
    /// field counts). A field the entry's reader did not fetch counts as absent: read with a
    /// `JournalMatchSet` that includes this match. Looks fields up by name on each call; for
    /// many entries use `JournalMatchSet.memberMatches(_:_:)`.
    public func matches(_ entry: JournalEntry) -> Bool {
        if alternatives.isEmpty { return true }
        return CompiledMatch(self, layout: entry.layout).matches(entry)
    }
}

/// A `journalmatch` that cannot be used, and why.
public struct JournalMatchError: Error, Equatable, Sendable, CustomStringConvertible {
    public let message: String
    /// The line of the value (1-based) when the value has several.
    public let line: Int?

    public var description: String {
        if let line { return "journalmatch line \(line): \(message)" }
        return "journalmatch: \(message)"
    }
}
