import BailiffJournal
import Testing

private typealias Term = JournalMatch.Term

@Suite struct JournalMatchParsingTests {
    @Test func termsAndAlternatives() throws {
        let match = try JournalMatch(parsing: "_SYSTEMD_UNIT=sshd.service + _COMM=sshd")
        #expect(match.alternatives == [[Term(field: "_SYSTEMD_UNIT", value: "sshd.service")], [Term(field: "_COMM", value: "sshd")]])
        #expect(match.fieldNames == ["_SYSTEMD_UNIT", "_COMM"])
        #expect(!match.matchesEverything)
    }

    @Test func linesAreAlternativesAndEmptyLinesAreSkipped() throws {
        let match = try JournalMatch(parsing: "_SYSTEMD_UNIT=a.service _COMM=a\n\n  \nSYSLOG_IDENTIFIER=b")
        #expect(match.alternatives == [
            [Term(field: "_SYSTEMD_UNIT", value: "a.service"), Term(field: "_COMM", value: "a")],
            [Term(field: "SYSLOG_IDENTIFIER", value: "b")],
        ])
    }

    @Test func shellQuotingAsPythonShlex() throws {
        let match = try JournalMatch(parsing: #"MESSAGE="two words" W="" X='it''s' Y=a\ b Z="q\"x\n""#)
        #expect(match.alternatives == [[
            Term(field: "MESSAGE", value: "two words"),
            Term(field: "W", value: ""),
            Term(field: "X", value: "its"),
            Term(field: "Y", value: "a b"),
            Term(field: "Z", value: #"q"x\n"#),
        ]])
        // A value may hold '=' and '+'; only a lone + word separates.
        let plus = try JournalMatch(parsing: "A=x=y B=+ +")
        #expect(plus.alternatives == [[Term(field: "A", value: "x=y"), Term(field: "B", value: "+")]])
    }

    @Test func emptyAlternativesAreDroppedAndNoTermsMeansEverything() throws {
        #expect(try JournalMatch(parsing: "+ A=1 + + B=2 +").alternatives == [[Term(field: "A", value: "1")], [Term(field: "B", value: "2")]])
        #expect(try JournalMatch(parsing: "").matchesEverything)
        #expect(try JournalMatch(parsing: "+").matchesEverything)
        #expect(JournalMatch.everything.matchesEverything)
    }

    @Test func wordsFromTheCommandLine() throws {
        let match = try JournalMatch(words: ["_COMM=sshd", "+", "_SYSTEMD_UNIT=ssh.service"])
        #expect(match.alternatives.count == 2)
        #expect(match.description == "_COMM=sshd + _SYSTEMD_UNIT=ssh.service")
        #expect(try JournalMatch(parsing: "MESSAGE='a b'").description == "'MESSAGE=a b'")
        #expect(try JournalMatch(parsing: try JournalMatch(parsing: "MESSAGE='it''s x'").description) == JournalMatch(parsing: "MESSAGE='it''s x'"))
    }

    @Test(arguments: [
        ("sshd.service", "journalmatch: term 'sshd.service' is not FIELD=value (e.g. _SYSTEMD_UNIT=sshd.service)"),
        ("=sshd", "journalmatch: term '=sshd' has an empty field name (expected FIELD=value)"),
        ("_systemd_unit=x", "journalmatch: '_systemd_unit' in term '_systemd_unit=x' is not a journal field name: a journal field name holds only uppercase letters, digits and '_'"),
        ("1FIELD=x", "journalmatch: '1FIELD' in term '1FIELD=x' is not a journal field name: a journal field name cannot start with a digit"),
        ("__CURSOR=x", "journalmatch: '__CURSOR' in term '__CURSOR=x' is not a journal field name: fields starting with '__' are entry addresses and cannot be matched"),
        ("A-B=x", "journalmatch: 'A-B' in term 'A-B=x' is not a journal field name: a journal field name holds only uppercase letters, digits and '_'"),
        ("A=1\nB='x", "journalmatch line 2: no closing ' in 'B='x'"),
        ("A=1 \\", "journalmatch: a backslash ends 'A=1 \\' with nothing to escape"),
        ("A=1\n\"\"", "journalmatch line 2: term '' is not FIELD=value (e.g. _SYSTEMD_UNIT=sshd.service)"),
    ])
    func errorsSayWhatWasExpected(text: String, message: String) {
        do throws(JournalMatchError) {
            let parsed = try JournalMatch(parsing: text)
            Issue.record("parsed \(text.debugDescription) as \(parsed)")
        } catch {
            #expect(error.description == message)
        }
    }

    @Test func fieldNamesAreCheckedWhenBuiltFromTerms() {
        #expect(throws: JournalMatchError.self) { try JournalMatch(alternatives: [[Term(field: "lower", value: "x")]]) }
        #expect(throws: Never.self) { try JournalMatch(alternatives: [[Term(field: "_SYSTEMD_UNIT", value: "x")]]) }
    }
}

/// The predicate, on entries built in memory (the reader's side is in MatchDispatchTests).
@Suite struct JournalMatchPredicateTests {
    private func entry(_ fields: [String: String]) -> JournalEntry {
        JournalEntry(fields: fields.mapValues { Array($0.utf8) }, realtimeMicroseconds: baseTime)
    }

    @Test func sameFieldOrsDifferentFieldsAnd() throws {
        let match = try JournalMatch(parsing: "_SYSTEMD_UNIT=a.service _SYSTEMD_UNIT=b.service _COMM=x")
        #expect(match.matches(entry(["_SYSTEMD_UNIT": "a.service", "_COMM": "x"])))
        #expect(match.matches(entry(["_SYSTEMD_UNIT": "b.service", "_COMM": "x"])))
        #expect(!match.matches(entry(["_SYSTEMD_UNIT": "c.service", "_COMM": "x"])))
        #expect(!match.matches(entry(["_SYSTEMD_UNIT": "a.service", "_COMM": "y"])))
        #expect(!match.matches(entry(["_SYSTEMD_UNIT": "a.service"])))
    }

    @Test func alternativesOr() throws {
        let match = try JournalMatch(parsing: "_SYSTEMD_UNIT=a.service + _COMM=x\nSYSLOG_IDENTIFIER=z")
        #expect(match.matches(entry(["_SYSTEMD_UNIT": "a.service"])))
        #expect(match.matches(entry(["_COMM": "x"])))
        #expect(match.matches(entry(["SYSLOG_IDENTIFIER": "z"])))
        #expect(!match.matches(entry(["SYSLOG_IDENTIFIER": "y", "_COMM": "w"])))
    }

    @Test func emptyValueMatchesOnlyAPresentEmptyField() throws {
        let match = try JournalMatch(parsing: "SYSLOG_PID=")
        #expect(match.matches(entry(["SYSLOG_PID": ""])))
        #expect(!match.matches(entry(["MESSAGE": "x"])))
        #expect(!match.matches(entry(["SYSLOG_PID": "1"])))
    }

    @Test func everythingMatchesAnything() {
        #expect(JournalMatch.everything.matches(entry([:])))
    }
}
