import CSystemd

/// The matches of several consumers (jails) served by one reader: the reader asks the
/// journal for the union of them, and `memberMatches(_:_:)` tells which consumer each
/// entry is for.
public struct JournalMatchSet: Sendable {
    /// One match per consumer, in the caller's order (indices are the caller's jail indices).
    public let members: [JournalMatch]
    /// The fields the reader fetches: the standard ones, those the matches test, and any extra asked for.
    public let layout: JournalFieldLayout
    private let compiled: [CompiledMatch]

    /// - Parameter additionalFields: further fields entries should carry.
    public init(_ members: [JournalMatch] = [], additionalFields: [String] = []) {
        self.members = members
        let matchFields = members.reduce(into: Set<String>()) { $0.formUnion($1.fieldNames) }
        let layout = JournalFieldLayout(additionalFields: matchFields.sorted() + additionalFields)
        self.layout = layout
        compiled = members.map { CompiledMatch($0, layout: layout) }
    }

    /// Whether the union lets every entry through: a member matches everything, or there are no members.
    public var matchesEverything: Bool { members.isEmpty || members.contains(where: \.matchesEverything) }

    /// Every field the members' matches test (the reader fetches these).
    public var fieldNames: Set<String> { members.reduce(into: Set<String>()) { $0.formUnion($1.fieldNames) } }

    /// Whether member `index`'s own match lets `entry` through.
    public func memberMatches(_ index: Int, _ entry: JournalEntry) -> Bool {
        compiled[index].matches(entry)
    }

    /// The alternatives of the union, each once, in first-seen order.
    var unionAlternatives: [[JournalMatch.Term]] {
        var seen = Set<[JournalMatch.Term]>()
        var result: [[JournalMatch.Term]] = []
        for alternative in members.flatMap(\.alternatives) {
            let terms = Array(Set(alternative)).sorted()
            if seen.insert(terms).inserted { result.append(terms) }
        }
        return result
    }

    /// Replaces the journal's matches with the union of the members' (each alternative
    /// followed by a disjunction); nothing is installed when the union is everything.
    func install(into journal: OpaquePointer) throws(JournalError) {
        sd_journal_flush_matches(journal)
        if matchesEverything { return }
        for alternative in unionAlternatives {
            for term in alternative {
                let data = term.matchData
                let result = data.withUnsafeBytes { sd_journal_add_match(journal, $0.baseAddress, $0.count) }
                try JournalError.check(result, "adding journal match \(term)")
            }
            try JournalError.check(sd_journal_add_disjunction(journal), "adding journal match disjunction")
        }
    }
}
