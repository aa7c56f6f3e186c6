/// A `JournalMatch` bound to a field layout: terms grouped by field, fields by index, values
/// as bytes, so testing an entry costs a few byte comparisons.
struct CompiledMatch: Sendable {
    struct FieldTest: Sendable {
        /// Index in the layout, or nil when the layout lacks the field (never present then).
        let field: Int?
        /// Any of these values satisfies the test.
        let values: [[UInt8]]
    }

    /// Alternatives (ORed) of field tests (ANDed); none means everything.
    let alternatives: [[FieldTest]]
    let layout: JournalFieldLayout

    init(_ match: JournalMatch, layout: JournalFieldLayout) {
        self.layout = layout
        alternatives = match.alternatives.map { terms in
            var fields: [String] = []
            var valuesByField: [String: [[UInt8]]] = [:]
            for term in terms {
                if valuesByField[term.field] == nil { fields.append(term.field) }
                valuesByField[term.field, default: []].append(Array(term.value.utf8))
            }
            return fields.map { FieldTest(field: layout.index(of: $0), values: valuesByField[$0]!) }
        }
    }

    func matches(_ entry: JournalEntry) -> Bool {
        if alternatives.isEmpty { return true }
        if entry.layout !== layout {
            return CompiledMatch(alternatives: alternatives, rebinding: layout, to: entry.layout).matches(entry)
        }
        return alternatives.contains { tests in
            tests.allSatisfy { test in
                guard let field = test.field else { return false }
                return test.values.contains { entry.value(at: field, equals: $0) }
            }
        }
    }

    /// The same tests addressed through another layout.
    private init(alternatives: [[FieldTest]], rebinding old: JournalFieldLayout, to new: JournalFieldLayout) {
        layout = new
        self.alternatives = alternatives.map { tests in
            tests.map { FieldTest(field: $0.field.flatMap { new.index(of: old.names[$0]) }, values: $0.values) }
        }
    }
}
