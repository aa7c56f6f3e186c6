import BailiffConfig
import Glibc
import Testing
@testable import BailiffFilter

/// The reader splits like the file's lines, and what it says about a line holds.
@Suite struct LineReaderTests {
    /// Writes `bytes` to a new temporary file and returns its path.
    private func temporaryFile(_ bytes: [UInt8]) throws -> String {
        var template = Array("/tmp/bailiff-line-reader-XXXXXX".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        try #require(fd >= 0)
        defer { close(fd) }
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        try #require(written == bytes.count)
        return String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    private func read(_ path: String) throws -> [(line: [UInt8], facts: LineFacts)] {
        var lines: [(line: [UInt8], facts: LineFacts)] = []
        try LineReader.forEachLine(path: path) { line, facts in lines.append((Array(line), facts)) }
        return lines
    }

    @Test func linesAndWhatTheReaderKnowsOfThem() throws {
        // Enough ASCII lines to fill several chunks, one line with a multi-byte character
        // and one with an invalid byte in the middle, CRLF endings and no final newline.
        var expected: [[UInt8]] = []
        for number in 0..<6000 { expected.append(Array("Mar  1 00:00:\(number % 60) host sshd[\(number)]: line \(number)".utf8)) }
        expected[2500] = Array("Mar  1 00:00:00 host sshd[1]: user \u{e9}t\u{e9}".utf8)
        expected[4000] = Array("Mar  1 00:00:00 host sshd[1]: bad ".utf8) + [0xFF]
        var bytes: [UInt8] = []
        for (index, line) in expected.enumerated() {
            bytes += line
            if index == expected.count - 1 { break }
            bytes += index % 7 == 0 ? [0x0D, 0x0A] : [0x0A]
        }
        let path = try temporaryFile(bytes)
        defer { unlink(path) }
        let lines = try read(path)
        #expect(lines.map(\.line) == expected)
        for (line, facts) in lines {
            #expect(facts.lacksLineFeed && !line.contains(0x0A))
            if facts.isASCII { #expect(line.allSatisfy { $0 < 0x80 }) }
        }
        // Lines far from the odd ones are known to be ASCII.
        #expect(lines[100].facts.isASCII && lines[5900].facts.isASCII)
    }

    @Test func whatTheReaderKnowsChangesNoResult() throws {
        let definition = FilterDefinition.literal(failregex: [#"^\S+ \S+\[\d+\]: fail(?:ed)? from <HOST>\s*$"#])
        let told = try FilterProcessor(definition: definition, clock: { 1_700_000_000 })
        let untold = try FilterProcessor(definition: definition, clock: { 1_700_000_000 })
        let lines = [
            "Mar  1 00:00:00 host sshd[1]: failed from 192.0.2.1",
            "Mar  1 00:00:00 host sshd[1]: fail from 192.0.2.2 ",
            "Mar  1 00:00:01 host sshd[1]: ok from 192.0.2.3",
            "host sshd[1]: fail from 192.0.2.4",
        ]
        for line in lines {
            var copy = line
            copy.withUTF8 { bytes in
                let raw = UnsafeRawBufferPointer(bytes)
                let fast = told.process(line: raw, facts: LineFacts(isASCII: true, lacksLineFeed: true))
                let plain = untold.process(line: raw)
                #expect(fast.outcome == plain.outcome, "\(line)")
                #expect(fast.time == plain.time, "\(line)")
                #expect(fast.failure?.id == plain.failure?.id, "\(line)")
            }
        }
    }
}
