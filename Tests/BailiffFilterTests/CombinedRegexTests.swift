import BailiffConfig
import Testing
@testable import BailiffFilter

@Suite struct CombinedRegexTests {
    @Test func renamesGroupsAndNamedReferences() {
        let renamed = CombinedRegex.renameGroups(#"^(?P<a>x)(?P=a)(?(a)y|z)[(?P<no>]"#, suffix: "__1")
        #expect(renamed == #"^(?P<a__1>x)(?P=a__1)(?(a__1)y|z)[(?P<no>]"#)
        #expect(CombinedRegex.renameGroups(#"^(x)\1"#, suffix: "__1") == nil)
    }

    @Test func usedOnlyWhenEveryRegexIsAnchored() throws {
        let location = SourceLocation(file: "test", line: 1)
        let anchored = try ["^a <HOST>$", "^b <HOST>$"].map { try FilterRegex(.init(text: $0, location: location), multiline: false, useDNS: true) }
        #expect(CombinedRegex(anchored) != nil)
        let floating = try ["^a <HOST>$", "b <HOST>$"].map { try FilterRegex(.init(text: $0, location: location), multiline: false, useDNS: true) }
        #expect(CombinedRegex(floating) == nil)
    }

    @Test func picksTheFirstRegexInOrderWithItsOwnCaptures() throws {
        let definition = FilterDefinition.literal(failregex: [
            #"^fail (?P<user>\w+) from <HOST>$"#,
            #"^fail \w+ from <HOST>$"#,
            #"^other <F-USER>\w+</F-USER> <HOST>$"#,
        ])
        let processor = try FilterProcessor(definition: definition, clock: { 0 })
        #expect(processor.dispatch != nil)
        let first = processor.process(line: "fail bob from 192.0.2.1", time: 0)
        #expect(first.outcome == .matched(0))
        #expect(first.failures.first?.captures["user"] == "bob")
        let third = processor.process(line: "other eve 192.0.2.2", time: 0)
        #expect(third.outcome == .matched(2))
        #expect(third.failures.first?.captures["user"] == "eve")
    }

    @Test func firstByteDispatchKeepsEveryPossibleRegex() throws {
        let definition = FilterDefinition.literal(failregex: [
            #"^[Bb]ad password from <HOST>$"#,
            #"^(?:bad|worse) user from <HOST>$"#,
            #"^\s*odd <HOST>$"#,
        ])
        let processor = try FilterProcessor(definition: definition, clock: { 0 })
        #expect(processor.dispatch != nil)
        #expect(processor.process(line: "Bad password from 192.0.2.1", time: 0).outcome == .matched(0))
        #expect(processor.process(line: "bad password from 192.0.2.1", time: 0).outcome == .matched(0))
        #expect(processor.process(line: "bad user from 192.0.2.1", time: 0).outcome == .matched(1))
        #expect(processor.process(line: "  odd 192.0.2.1", time: 0).outcome == .matched(2))
        #expect(processor.process(line: "zzz 192.0.2.1", time: 0).outcome == .missed)
        #expect(processor.process(line: "ébad password from 192.0.2.1", time: 0).outcome == .missed)
    }
}
