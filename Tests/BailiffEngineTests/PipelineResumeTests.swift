import BailiffConfig
import BailiffEngine
import BailiffJournal
import Glibc
import Testing

/// The journal pipeline over real journal files (made by systemd-journal-remote from the
/// generator's export stream): stopping and restarting anywhere gives the decisions of one
/// uninterrupted run, none repeated, none lost.
@Suite(.serialized)
struct PipelineResumeTests {
    static let repository: String = {
        var path = #filePath
        for _ in 0..<3 { path = String(path[..<path.lastIndex(of: "/")!]) }
        return path
    }()

    /// A decision as compared between runs.
    struct Seen: Equatable, CustomStringConvertible {
        let jail: String
        let id: String
        let failures: Int
        let trigger: String
        var description: String { "\(jail) \(id) x\(failures) @\(trigger.suffix(20))" }
    }

    final class Fixture {
        let directory: String
        let journal: String
        let config: String

        init(lines: Int, seed: Int) throws {
            var template = Array("/tmp/bailiff-pipeline-XXXXXX".utf8CString)
            guard template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) != nil else {
                throw FixtureError("mkdtemp failed")
            }
            directory = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            journal = directory + "/journal"
            config = directory + "/config"
            mkdir(journal, 0o700)
            mkdir(config, 0o700)
            let generator = PipelineResumeTests.repository + "/scripts/gen-sshd-log"
            try shell("'\(generator)' --lines \(lines) --seed \(seed) --format export | /lib/systemd/systemd-journal-remote --output='\(journal)/remote.journal' - 2>/dev/null")
            // The shipped filters, with two jails whose journalmatches overlap.
            try shell("cp -r '\(PipelineResumeTests.repository)/config/filter.d' '\(config)/'")
            let jails = """
                [DEFAULT]
                backend = systemd
                filter = %(__name__)s
                ignoreself = false

                [sshd]
                enabled = true
                filter = sshd[mode=aggressive]
                maxretry = 3
                findtime = 10m

                [pam-generic]
                enabled = true
                maxretry = 4
                findtime = 2m
                """
            try shell("cat > '\(config)/jail.conf' <<'EOF'\n\(jails)\nEOF")
        }

        deinit { _ = try? shell("rm -rf '\(directory)'") }

        func pipeline(stateDirectory: String) throws -> JournalPipeline {
            let outcome = JailLoader(tree: ConfigTree(directory: config)).load()
            guard outcome.errors.isEmpty else { throw FixtureError("config: \(outcome.errors)") }
            return try JournalPipeline(
                jails: outcome.jails,
                options: .init(source: .directory(journal), stateDirectory: stateDirectory, startTime: 0, now: { 2_000_000_000 }))
        }

        /// Runs from the saved state until `limit` entries were read; returns the decisions.
        func run(stateDirectory: String, limit: Int = .max) throws -> (decisions: [Seen], read: Int) {
            let pipeline = try pipeline(stateDirectory: stateDirectory)
            _ = try pipeline.start()
            var seen: [Seen] = []
            let read = try pipeline.processAvailable(limit: limit) { decision in
                seen.append(Seen(jail: decision.jail, id: decision.decision.id, failures: decision.decision.failures, trigger: decision.triggerCursor))
            }
            _ = try pipeline.commit()
            return (seen, read)
        }
    }

    struct FixtureError: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }

    static func shell(_ command: String) throws {
        let status = system(command)
        guard status == 0 else { throw FixtureError("'\(command)' exited with \(status)") }
    }

    static let canRun = getuid() == 0 && access("/lib/systemd/systemd-journal-remote", X_OK) == 0

    @Test(.enabled(if: canRun, "needs root and systemd-journal-remote"))
    func oneStopAnywhereGivesTheSameDecisions() throws {
        let fixture = try Fixture(lines: 6000, seed: 11)
        let whole = try fixture.run(stateDirectory: fixture.directory + "/whole")
        #expect(whole.decisions.count > 50, "the sample should ban someone: \(whole.decisions.count)")
        #expect(Set(whole.decisions.map(\.jail)) == ["sshd", "pam-generic"])
        let total = whole.read
        for cut in [1, 2, 17, 250, 611, 1000, 1999, 2500, 3333, total - 1] {
            let state = fixture.directory + "/cut-\(cut)"
            let first = try fixture.run(stateDirectory: state, limit: cut)
            let second = try fixture.run(stateDirectory: state)
            #expect(first.read == cut)
            #expect(first.read + second.read == total, "cut \(cut): entries read twice or skipped")
            #expect(first.decisions + second.decisions == whole.decisions, "cut \(cut)")
        }
    }

    @Test(.enabled(if: canRun, "needs root and systemd-journal-remote"))
    func manyPiecesGiveTheSameDecisions() throws {
        let fixture = try Fixture(lines: 4000, seed: 5)
        let whole = try fixture.run(stateDirectory: fixture.directory + "/whole")
        let state = fixture.directory + "/pieces"
        var decisions: [Seen] = []
        var read = 0
        while true {
            let piece = try fixture.run(stateDirectory: state, limit: 97)
            if piece.read == 0 { break }
            decisions += piece.decisions
            read += piece.read
        }
        #expect(read == whole.read)
        #expect(decisions == whole.decisions)
    }

    /// A stop after the decisions were saved but before the cursor was: the entries after
    /// the cursor are read again, and their decisions are not made twice.
    @Test(.enabled(if: canRun, "needs root and systemd-journal-remote"))
    func decisionsSavedBeforeTheCursorAreNotRepeated() throws {
        let fixture = try Fixture(lines: 4000, seed: 23)
        let whole = try fixture.run(stateDirectory: fixture.directory + "/whole")
        let state = fixture.directory + "/crash"
        let first = try fixture.run(stateDirectory: state, limit: 800)
        let savedCursor = try CursorFile(path: state + "/cursor").read()!
        let second = try fixture.run(stateDirectory: state, limit: 900)
        #expect(!second.decisions.isEmpty)
        // As if the process died between writing the decisions and the cursor.
        try CursorFile(path: state + "/cursor").write(savedCursor)
        let third = try fixture.run(stateDirectory: state)
        #expect(third.read == whole.read - first.read)
        #expect(first.decisions + second.decisions + third.decisions == whole.decisions)
    }

    /// A cursor file that cannot be used is reported and reading starts at the configured
    /// start time instead; nothing crashes.
    @Test(.enabled(if: canRun, "needs root and systemd-journal-remote"), arguments: [
        ("", "empty"),
        ("not a cursor at all\n", "not a journal cursor"),
        ("\u{1}\u{2}binary", "binary"),
    ])
    func unusableCursorFiles(content: String, expected: String) throws {
        let fixture = try Fixture(lines: 500, seed: 3)
        let state = fixture.directory + "/state"
        mkdir(state, 0o700)
        try Self.shell("printf '%s' '\(content)' > '\(state)/cursor'")
        let pipeline = try fixture.pipeline(stateDirectory: state)
        #expect(try pipeline.start() == .time(0))
        #expect(pipeline.warnings.contains { $0.contains(state + "/cursor") && $0.contains(expected) }, "\(pipeline.warnings)")
        #expect(try pipeline.processAvailable { _ in } > 0)
    }

    /// A well-formed cursor of another journal: its entry is not there, so reading resumes
    /// at the next entry in time with a warning.
    @Test(.enabled(if: canRun, "needs root and systemd-journal-remote"))
    func foreignCursorResumesByTime() throws {
        let fixture = try Fixture(lines: 500, seed: 3)
        let state = fixture.directory + "/state"
        let foreign = "s=00112233445566778899aabbccddeeff;i=5;b=ffeeddccbbaa99887766554433221100;m=10;t=5e0000000000;x=1234"
        try CursorFile(path: state + "/cursor").write(foreign)
        let pipeline = try fixture.pipeline(stateDirectory: state)
        #expect(try pipeline.start() == .cursorEntryGone(foreign))
        #expect(!pipeline.warnings.isEmpty)
        #expect(try pipeline.processAvailable { _ in } > 0)
    }
}
