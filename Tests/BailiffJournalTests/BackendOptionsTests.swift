import BailiffJournal
import BailiffTestSupport
import Testing

/// `backend = systemd[journalpath=..., journalfiles=..., namespace=...]`.
@Suite struct BackendOptionsTests {
    @Test func noOptionsMeansTheSystemJournal() throws {
        #expect(try JournalSource(backendOptions: [:]) == .system)
    }

    @Test func pathAndNamespace() throws {
        #expect(try JournalSource(backendOptions: ["journalpath": "/var/log/journal/remote"]) == .directory("/var/log/journal/remote"))
        #expect(try JournalSource(backendOptions: ["namespace": "web"]) == .namespace("web"))
    }

    @Test func filesAreSplitLikeFail2banAndGlobbed() throws {
        try withTemporaryDirectory { directory in
            for name in ["a.journal", "b.journal", "c.txt"] { try writeFile("\(directory)/\(name)", "") }
            let source = try JournalSource(backendOptions: ["journalfiles": "\(directory)/*.journal, /plain/x.journal\n\(directory)/a.journal"])
            #expect(source == .files(["\(directory)/a.journal", "\(directory)/b.journal", "/plain/x.journal"]))
        }
    }

    @Test(arguments: [
        (["journalpath": "/a", "namespace": "b"], "systemd backend options journalpath and namespace exclude each other: give one of journalpath, journalfiles or namespace"),
        (["journalpath": " "], "systemd backend option journalpath is empty (expected a journal directory such as /var/log/journal)"),
        (["journalfiles": " , "], "systemd backend option journalfiles is empty (expected journal files, e.g. journalfiles=\"/var/log/journal/*/system.journal\")"),
        (["journalfiles": "/nonexistent-dir/*.journal"], "systemd backend option journalfiles: pattern '/nonexistent-dir/*.journal' matches no file"),
        (["namespace": ""], "systemd backend option namespace is empty (expected a journal namespace name)"),
        (["journalflags": "1"], "systemd backend option 'journalflags' is not supported: bailiff reads the local system journal, or the journal chosen with journalpath=, journalfiles= or namespace="),
        (["jounralpath": "/x"], "unknown systemd backend option 'jounralpath' (expected journalpath, journalfiles or namespace)"),
    ])
    func errorsSayWhatWasExpected(options: [String: String], message: String) {
        do throws(JournalBackendOptionError) {
            let source = try JournalSource(backendOptions: options)
            Issue.record("accepted \(options) as \(source)")
        } catch {
            #expect(error.message == message)
        }
    }
}
