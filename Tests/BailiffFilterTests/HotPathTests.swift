import BailiffConfig
import Glibc
import Testing
@testable import BailiffFilter

/// The shortcuts of the per-line path give what the plain forms give.
@Suite struct HotPathTests {
    private func regex(_ text: String, multiline: Bool = false) throws -> FilterRegex {
        try FilterRegex(.init(text: text, location: SourceLocation(file: "test", line: 1)), multiline: multiline, useDNS: true)
    }

    @Test func prefregexHeadOnlyForThePlainContentTail() {
        #expect(PrefregexHead.head(of: #"^(?P<a>\S+) (?:x|y)?(?P<content>.+)$"#) == #"^(?P<a>\S+) (?:x|y)?"#)
        #expect(PrefregexHead.head(of: #"^[(|]\[x\] (?P<content>.+)$"#) == #"^[(|]\[x\] "#)
        // A top-level alternation, a dangling escape, options, verbs, comments, POSIX classes.
        #expect(PrefregexHead.head(of: #"^a|b(?P<content>.+)$"#) == nil)
        #expect(PrefregexHead.head(of: #"^a\(?P<content>.+)$"#) == nil)
        #expect(PrefregexHead.head(of: #"(?s)^a (?P<content>.+)$"#) == nil)
        #expect(PrefregexHead.head(of: #"(*CRLF)^a (?P<content>.+)$"#) == nil)
        #expect(PrefregexHead.head(of: #"^a(?#x|y) (?P<content>.+)$"#) == nil)
        #expect(PrefregexHead.head(of: #"^[[:alpha:]]+ (?P<content>.+)$"#) == nil)
        #expect(PrefregexHead.head(of: #"^(a (?P<content>.+)$"#) == nil)
        #expect(PrefregexHead.head(of: #"^a (?P<content>.+)\s*$"#) == nil)
    }

    @Test func prefregexHeadMatchesLikeTheFullPrefregex() throws {
        let slots = CaptureSlots()
        let full = try regex(#"^(?P<mlfid>\s*(?:\S+\s+)?(?:sshd(?:\[\d+\])?:?\s+)?)(?:(?:error|fatal): )?<F-CONTENT>.+</F-CONTENT>$"#)
        let head = try #require(PrefregexHead(full, slots: slots))
        let scratch = MatchScratch()
        let lines = [
            " host sshd[1]: Failed password", " host sshd[1]: ", " host sshd[1]:", "", " ", "x", "error: x",
            " host cron[2]: job", "sshd[3]: error: boom", " a  b  c ", "\u{e9}t\u{e9} sshd: x",
        ]
        for line in lines {
            let subject = Array((line + "\n").utf8)
            let fullOutcome = subject.withUnsafeBytes { scratch.match(full.pattern, in: $0) }
            let fullGroups = (0...full.pattern.captureCount).map { scratch.range(ofGroup: $0) }
            let headOutcome = subject.withUnsafeBytes { scratch.match(head.pattern, in: $0) }
            #expect(fullOutcome == headOutcome, "\(line)")
            guard fullOutcome == .matched, headOutcome == .matched else { continue }
            // The head's groups are the full regex's groups less the content, which starts
            // where the head ends and runs to the line's end.
            for group in 1..<full.pattern.captureCount { #expect(scratch.range(ofGroup: group) == fullGroups[group], "\(line)") }
            let contentStart = try #require(scratch.range(ofGroup: 0)).upperBound
            #expect(fullGroups[full.pattern.captureCount] == contentStart..<(subject.count - 1), "\(line)")
        }
    }

    @Test func prefregexWithAndWithoutHeadGiveTheSameFailures() throws {
        let prefregexes = [
            #"^(?P<mlfid>\S+ \w+\[\d+\]: )<F-CONTENT>.+</F-CONTENT>$"#,
            // Not of the plain shape: runs as it is.
            #"^(?P<mlfid>\S+ \w+\[\d+\]: )<F-CONTENT>.+</F-CONTENT>\s*$"#,
        ]
        let lines = ["h d[1]: fail from 192.0.2.1", "h d[1]: ", "h d[1]: fail from 192.0.2.2 ", "garbage", "h d[2]: fail from x"]
        var outcomes: [[String]] = []
        for prefregex in prefregexes {
            var definition = FilterDefinition.literal(failregex: [#"^fail from <HOST>\s*$"#])
            definition.prefregex = .init(text: prefregex, location: SourceLocation(file: "test", line: 1))
            let processor = try FilterProcessor(definition: definition, clock: { 0 })
            outcomes.append(lines.map { line in
                let result = processor.process(line: line, time: 0)
                return "\(result.outcome) \(result.failure?.id ?? "-")"
            })
        }
        #expect(outcomes[0] == outcomes[1])
        #expect(outcomes[0][0] == "matched(0) 192.0.2.1")
    }

    @Test func ipv6TextAsInetNtopWritesIt() {
        var generator = SystemRandomNumberGenerator()
        var samples: [[UInt8]] = [
            Array(repeating: 0, count: 16),
            Array(repeating: 0, count: 15) + [1],
            Array(repeating: 0, count: 10) + [0xFF, 0xFF, 192, 0, 2, 1],
            Array(repeating: 0, count: 12) + [192, 0, 2, 1],
            Array(repeating: 0, count: 12) + [0, 0, 0, 2],
            Array(repeating: 0, count: 10) + [0xFF, 0xFE, 1, 2, 3, 4],
            [0x20, 0x01, 0x0D, 0xB8] + Array(repeating: 0, count: 12),
            [0x20, 0x01, 0x0D, 0xB8, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1],
            [0x20, 0x01, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1],
        ]
        for _ in 0..<5000 {
            // Mostly zero groups, to exercise the run choice.
            samples.append((0..<8).flatMap { _ -> [UInt8] in
                Int.random(in: 0..<3, using: &generator) == 0
                    ? [UInt8.random(in: 0...255, using: &generator), UInt8.random(in: 0...255, using: &generator)] : [0, 0]
            })
        }
        for sample in samples {
            var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
            let expected = sample.withUnsafeBytes { bytes in
                inet_ntop(AF_INET6, bytes.baseAddress, &buffer, socklen_t(buffer.count)).map { String(cString: $0) }
            }
            let actual = sample.withUnsafeBytes { Addresses.text(ofIPv6: $0) }
            #expect(actual == expected, "\(sample)")
        }
        #expect(Addresses.normalizeIPv6("2001:DB8:0:0::1") == "2001:db8::1")
        #expect(Addresses.normalizeIPv6("not an address") == "not an address")
    }

    @Test func captureValuesKeepBytesPerSlot() {
        var values = CaptureValues(count: 4)
        #expect(!values.has(0))
        "abc".utf8CString.withUnsafeBytes { values.set(0, UnsafeRawBufferPointer(rebasing: $0.dropLast())) }
        values.set(1, UnsafeRawBufferPointer(start: nil, count: 0))
        values.set(2, byte: UInt8(ascii: "1"))
        #expect(values.string(0) == "abc" && values.isSet(0))
        #expect(values.has(1) && !values.isSet(1) && values.string(1) == "")
        #expect(values.string(2) == "1")
        // Overwriting many times compacts the storage and keeps the live values.
        for round in 0..<2000 {
            let text = Array("value \(round)".utf8)
            text.withUnsafeBytes { values.set(3, $0) }
        }
        #expect(values.string(3) == "value 1999" && values.string(0) == "abc")
        values.remove(0)
        #expect(!values.has(0))
        values.removeAll()
        #expect((0..<4).allSatisfy { !values.has($0) })
    }

    @Test func usersAreCountedOnceAsStringsAre() {
        var values = CaptureValues(count: 1)
        for name in ["bob", "bob", "", "alice", "\u{212A}", "K", "e\u{301}", "\u{e9}"] {
            Array(name.utf8).withUnsafeBytes { values.addUser($0) }
        }
        // U+212A (Kelvin) is canonically "K"; "e" + U+0301 is "é".
        #expect(values.userCount == 4)
        #expect(values.users == Set(["bob", "alice", "\u{212A}", "e\u{301}"]))
        // A snapshot keeps its users while the original goes on.
        let snapshot = values
        values.removeAll()
        #expect(values.userCount == 0 && snapshot.userCount == 4)
    }

    @Test func literalPrefixesAreMandatoryText() {
        func prefix(_ source: String) -> String { String(decoding: LiteralPrefix.of(source), as: UTF8.self) }
        #expect(prefix(#"^Failed (?P<nofail>publickey) for (?P<user>.*?) from"#) == "Failed publickey for ")
        #expect(prefix(#"^(?P<a>(?P<b>Connection (?:closed|reset) by)) x"#) == "Connection ")
        #expect(prefix(#"^pam_unix\(sshd:auth\):\s+x"#) == "pam_unix(sshd:auth):")
        #expect(prefix(#"^Failed (?!publickey )\S+"#) == "Failed ")
        #expect(prefix(#"^abcd? x"#) == "abc")
        #expect(prefix(#"^(?:ab)?c"#) == "")
        #expect(prefix(#"^(?:Invalid|Illegal) user"#) == "")
        #expect(prefix(#"^ab|cd"#) == "")
        #expect(prefix(#"^a(?:b|c)d"#) == "a")
        #expect(prefix(#"^a[(|]b"#) == "a")
        #expect(prefix(#"^a\db"#) == "a")
        #expect(prefix(#"ab"#) == "")
        // Comments, quoting and options could hide an alternation.
        #expect(prefix(#"^abc(?#()|def"#) == "")
        #expect(prefix(#"^abc\Q(\E|def"#) == "")
        #expect(prefix(#"^(?x)abc"#) == "")
        #expect(prefix(#"^ab(?i)cd"#) == "")
    }

    @Test func narrowedRoutesPickTheSameRegex() throws {
        // The same regexes with and without literal starts to narrow by must agree.
        let failregexes = [
            #"^Failed (?!publickey )\S+ for (?P<user>\S+) from <HOST>$"#,
            #"^Failed publickey for invalid user (?P<user>\S+) from <HOST>$"#,
            #"^Failed <F-NOFAIL>publickey</F-NOFAIL> for (?P<user>\S+) from <HOST>$"#,
            #"^<F-MLFFORGET>Connection (?:closed|reset) by</F-MLFFORGET> <HOST>$"#,
            #"^Connection from <HOST>$"#,
            #"^(?:Connection|Failed) x <HOST>$"#,
        ]
        // An empty alternation first: no literal start to narrow by.
        let plain = failregexes.map { "^(?:|)" + $0.dropFirst() }
        let lines = [
            "Failed password for bob from 192.0.2.1", "Failed publickey for invalid user eve from 192.0.2.2",
            "Failed publickey for bob from 192.0.2.3", "Connection closed by 192.0.2.4", "Connection from 192.0.2.5",
            "Connection x 192.0.2.6", "Failed x 192.0.2.7", "Failed", "Conn", "F", "\u{e9}Failed x 192.0.2.8",
        ]
        var results: [[String]] = []
        for regexes in [failregexes, plain] {
            let processor = try FilterProcessor(definition: FilterDefinition.literal(failregex: regexes), clock: { 0 })
            #expect(processor.dispatch != nil)
            results.append(lines.map { line in
                let result = processor.process(line: line, time: 0)
                return "\(result.outcome) \(result.failure?.id ?? "-") \(result.failure?.captures["user"] ?? "-")"
            })
        }
        #expect(results[0] == results[1])
        #expect(results[0][2] == "matched(2) - -")
    }
}
