import BailiffConfig
import Testing
@testable import BailiffFilter

private func processor(
    prefregex: String? = nil, failregex: [String], ignoreregex: [String] = [], maxlines: Int = 1, datepattern: String? = nil
) throws -> FilterProcessor {
    var definition = FilterDefinition.literal(failregex: failregex, ignoreregex: ignoreregex, datepattern: datepattern, maxlines: maxlines)
    if let prefregex { definition.prefregex = .init(text: prefregex, location: SourceLocation(file: "test", line: 1)) }
    return try FilterProcessor(definition: definition, clock: { 1_700_000_000 })
}

@Suite struct FilterProcessorTests {
    @Test func hostTagCapturesIPv4IPv6AndNames() throws {
        let filter = try processor(failregex: [#"^login failed from <HOST>$"#])
        #expect(filter.process(line: "login failed from 192.0.2.7", time: 0).failures.first?.id == "192.0.2.7")
        #expect(filter.process(line: "login failed from 2001:DB8:0:0::1", time: 0).failures.first?.id == "2001:db8::1")
        #expect(filter.process(line: "login failed from [2001:db8::2]", time: 0).failures.first?.id == "2001:db8::2")
        #expect(filter.process(line: "login failed from ::ffff:192.0.2.8", time: 0).failures.first?.id == "192.0.2.8")
        #expect(filter.process(line: "login failed from bad.example.org", time: 0).failures.first?.id == "bad.example.org")
        #expect(filter.process(line: "login ok from 192.0.2.7", time: 0).outcome == .missed)
    }

    @Test func addrTagRefusesNames() throws {
        let filter = try processor(failregex: [#"^x <ADDR>$"#])
        #expect(filter.process(line: "x host.example.org", time: 0).outcome == .missed)
        #expect(filter.process(line: "x 198.51.100.1", time: 0).failures.first?.id == "198.51.100.1")
    }

    @Test func customCapturesAndAlternates() throws {
        let filter = try processor(failregex: [#"^user=(?:<F-USER>\w+</F-USER>|ruser=<F-ALT_USER>\w+</F-ALT_USER>) from <HOST>$"#])
        let direct = try #require(filter.process(line: "user=alice from 192.0.2.1", time: 0).failures.first)
        #expect(direct.captures["user"] == "alice")
        let alternate = try #require(filter.process(line: "user=ruser=bob from 192.0.2.1", time: 0).failures.first)
        #expect(alternate.captures["user"] == "bob")
    }

    @Test func failureIdWithAddress() throws {
        let filter = try processor(failregex: [#"^session <F-ID>\w+</F-ID> from <HOST>$"#])
        let failure = try #require(filter.process(line: "session abc123 from 192.0.2.9", time: 0).failures.first)
        #expect(failure.id == "abc123")
        #expect(failure.address == "192.0.2.9")
    }

    @Test func prefregexContentAndFirstMatchingRegexWins() throws {
        let filter = try processor(
            prefregex: #"^\S+ svc\[\d+\]: <F-CONTENT>.+</F-CONTENT>$"#,
            failregex: [#"^bad password from <HOST>"#, #"^bad \w+ from <HOST>"#]
        )
        let result = filter.process(line: "host svc[12]: bad password from 192.0.2.3", time: 5)
        #expect(result.outcome == .matched(0))
        #expect(result.failures.first?.time == 5)
        #expect(filter.process(line: "host svc[12]: bad token from 192.0.2.3", time: 5).outcome == .matched(1))
        #expect(filter.process(line: "host other[12]: bad password from 192.0.2.3", time: 5).outcome == .missed)
    }

    @Test func ignoreregexWins() throws {
        let filter = try processor(failregex: [#"^fail from <HOST>"#], ignoreregex: [#"trusted"#])
        #expect(filter.process(line: "fail from 192.0.2.3 trusted", time: 0).outcome == .ignored(0))
        #expect(filter.process(line: "fail from 192.0.2.3", time: 0).failures.count == 1)
    }

    @Test func dateIsCutOutBeforeMatching() throws {
        let filter = try processor(failregex: [#"^ gate app: fail from <HOST>$"#])
        let result = filter.process(line: "Jan 02 03:04:05 gate app: fail from 192.0.2.4")
        #expect(result.failures.first?.id == "192.0.2.4")
        #expect(result.time != nil)
    }

    @Test func multiLineIdCarriesTheHostAndSuccessForgets() throws {
        let filter = try processor(
            prefregex: #"^<F-MLFID>conn\d+</F-MLFID>: <F-CONTENT>.+</F-CONTENT>$"#,
            failregex: [
                #"^<F-NOFAIL>connect from</F-NOFAIL> <HOST>$"#,
                #"^auth failed for <F-USER>\w+</F-USER>$"#,
                #"^<F-MLFFORGET><F-MLFGAINED>accepted</F-MLFGAINED></F-MLFFORGET> for <F-USER>\w+</F-USER>$"#,
            ]
        )
        #expect(filter.process(line: "conn1: connect from 192.0.2.50", time: 1).failures.isEmpty)
        let failure = try #require(filter.process(line: "conn1: auth failed for eve", time: 2).failures.first)
        #expect(failure.id == "192.0.2.50")
        #expect(failure.captures["user"] == "eve")
        #expect(failure.lines.count == 2)
        // A success on another connection counts nothing.
        #expect(filter.process(line: "conn2: connect from 192.0.2.60", time: 3).failures.isEmpty)
        #expect(filter.process(line: "conn2: accepted for bob", time: 4).failures.isEmpty)
        // Without a known address the failure waits and produces nothing.
        #expect(filter.process(line: "conn9: auth failed for eve", time: 5).failures.isEmpty)
    }

    @Test func skipLinesAcrossABuffer() throws {
        let filter = try processor(failregex: [#"^start (?P<fid>\d+)$<SKIPLINES>^end \d+ from <HOST>$"#], maxlines: 3)
        #expect(filter.process(line: "start 7", time: 0).failures.isEmpty)
        #expect(filter.process(line: "noise", time: 0).failures.isEmpty)
        let failure = try #require(filter.process(line: "end 7 from 192.0.2.77", time: 0).failures.first)
        #expect(failure.id == "7")
        #expect(failure.address == "192.0.2.77")
        #expect(failure.lines == ["start 7", "end 7 from 192.0.2.77"])
    }

    @Test func hostileLineHitsTheLimitInsteadOfHanging() throws {
        let filter = try processor(failregex: [#"^(\w+\s?)*$<HOST>"#])
        let hostile = String(repeating: "aaaa ", count: 40) + "!"
        #expect(filter.process(line: hostile, time: 0).outcome == .tooComplex)
    }

    @Test func pythonDialectQuirks() throws {
        // fail2ban matches "line\n": Python's \Z (PCRE2's \z) is past that newline, $ is before it.
        #expect(try processor(failregex: [#"^x <HOST>\Z"#]).process(line: "x 192.0.2.1", time: 0).outcome == .missed)
        let filter = try processor(failregex: [#"^x{,2}y <HOST>$"#])
        #expect(filter.process(line: "xxy 192.0.2.1", time: 0).failures.count == 1)
        #expect(filter.process(line: "xxxy 192.0.2.1", time: 0).outcome == .missed)
    }

    @Test func unicodeWordClassesAsInPython() throws {
        let filter = try processor(failregex: [#"^user <F-USER>\w+</F-USER> from <HOST>$"#])
        #expect(filter.process(line: "user jürgen from 192.0.2.5", time: 0).failures.first?.captures["user"] == "jürgen")
    }

    @Test func invalidUTF8IsMatchedNotFatal() throws {
        let filter = try processor(failregex: [#"^bad \S+ from <HOST>$"#])
        let bytes: [UInt8] = Array("bad ".utf8) + [0xFF, 0xFE] + Array(" from 192.0.2.6".utf8)
        let result = bytes.withUnsafeBytes { filter.process(line: $0, time: 0) }
        #expect(result.failures.first?.id == "192.0.2.6")
    }

    @Test func regexWithoutHostIsRejected() {
        #expect(throws: ConfigError.self) { try processor(failregex: [#"^no host here$"#]) }
        #expect(throws: ConfigError.self) { try processor(failregex: [#"^broken ( <HOST>"#]) }
    }

    @Test func injectableRegexesAreFlagged() {
        #expect(InjectionCheck.isInjectable(#"^Failed .* from <HOST>"#))
        #expect(InjectionCheck.isInjectable(#"^Failed .+ from <HOST> port \d+ .*$"#))
        #expect(!InjectionCheck.isInjectable(#"^Failed .* from <HOST> port \d+$"#))
        #expect(!InjectionCheck.isInjectable(#"^Failed .*? from <HOST>"#))
        #expect(!InjectionCheck.isInjectable(#"^Failed \S+ from <HOST>"#))
    }
}
