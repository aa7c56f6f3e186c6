import Testing
@testable import BailiffFilter

@Suite struct PatternTests {
    @Test func pythonNamedGroupsAndConditionals() throws {
        let pattern = try Pattern(python: #"^(?P<inv>invalid )?user (?P<user>\S+)(?(inv) bad| good)$"#)
        let scratch = MatchScratch()
        let line = Array("invalid user bob bad".utf8)
        let outcome = line.withUnsafeBytes { scratch.match(pattern, in: $0) }
        #expect(outcome == .matched)
        let user = pattern.groupNumbers(named: "user")
        #expect(scratch.string(ofAnyGroup: user) == "bob")
    }
}
