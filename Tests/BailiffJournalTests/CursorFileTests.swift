import BailiffJournal
import BailiffTestSupport
import Glibc
import Testing

@Suite struct CursorFileTests {
    static let cursor = "s=2a42c55d75b842518cc54ca54b035741;i=1f;b=0123456789abcdef0123456789abcdef;m=3e8;t=60a24181e4000;x=e398b78bbb7d7276"
    static let later = "s=2a42c55d75b842518cc54ca54b035741;i=20;b=0123456789abcdef0123456789abcdef;m=3e9;t=60a24181e4001;x=e398b78bbb7d7277"

    private func mode(_ path: String) -> mode_t {
        var status = stat()
        stat(path, &status)
        return status.st_mode & 0o7777
    }

    private func inode(_ path: String) -> ino_t {
        var status = stat()
        stat(path, &status)
        return status.st_ino
    }

    @Test func absentFileReadsAsNoCursor() throws {
        try withTemporaryDirectory { directory throws in
            #expect(try CursorFile(path: "\(directory)/cursor").read() == nil)
            #expect(try CursorFile(path: "\(directory)/no/such/dir/cursor").read() == nil)
        }
    }

    @Test func roundTripCreatesPrivateDirectoriesAndFile() throws {
        try withTemporaryDirectory { directory in
            let path = "\(directory)/state/bailiff/cursor"
            let file = CursorFile(path: path)
            try file.write(Self.cursor)
            #expect(try file.read() == Self.cursor)
            #expect(try readFile(path) == Self.cursor + "\n")
            #expect(mode(path) == 0o600)
            #expect(mode("\(directory)/state") == 0o700)
            #expect(mode("\(directory)/state/bailiff") == 0o700)
        }
    }

    @Test func replaceIsARenameNotAnOverwrite() throws {
        try withTemporaryDirectory { directory in
            let path = "\(directory)/cursor"
            let file = CursorFile(path: path)
            try file.write(Self.cursor)
            let oldInode = inode(path)
            // A reader holding the old file keeps seeing the old content in full.
            let held = open(path, O_RDONLY)
            defer { close(held) }
            try file.write(Self.later)
            #expect(try file.read() == Self.later)
            #expect(inode(path) != oldInode)
            var buffer = [UInt8](repeating: 0, count: 512)
            let count = buffer.withUnsafeMutableBytes { pread(held, $0.baseAddress!, $0.count, 0) }
            #expect(String(decoding: buffer[0..<max(0, count)], as: UTF8.self) == Self.cursor + "\n")
            // No temporary file is left behind.
            #expect(directoryEntries(directory) == ["cursor"])
        }
    }

    @Test func failedReplaceKeepsTheOldCursorAndLeavesNoTemporaryFile() throws {
        try withTemporaryDirectory { directory in
            let path = "\(directory)/cursor"
            let file = CursorFile(path: path)
            try file.write(Self.cursor)
            // As an unprivileged user the directory refuses the temporary file.
            chmod(directory, 0o755)
            #expect(throws: CursorFileError.unwritable(path: path, step: "creating a temporary file in \(directory)", errno: EACCES)) {
                try asFilesystemUser(65534) { try file.write(Self.later) }
            }
            #expect(try file.read() == Self.cursor)

            // A directory in the way of the rename: the temporary file is removed again.
            let blocked = "\(directory)/blocked"
            mkdir(blocked, 0o700)
            mkdir("\(blocked)/occupied", 0o700)
            do throws(CursorFileError) {
                try CursorFile(path: blocked).write(Self.cursor)
                Issue.record("replaced a directory")
            } catch {
                guard case .unwritable(blocked, let step, _) = error else { Issue.record("\(error)"); return }
                #expect(step.hasPrefix("renaming"))
            }
            #expect(directoryEntries(directory) == ["blocked", "cursor"])
        }
    }

    @Test func writeRefusesWhatIsNotACursor() throws {
        try withTemporaryDirectory { directory in
            let file = CursorFile(path: "\(directory)/cursor")
            #expect(throws: CursorFileError.invalidCursor("hello")) { try file.write("hello") }
            #expect(throws: CursorFileError.invalidCursor(Self.cursor + "\n")) { try file.write(Self.cursor + "\n") }
            #expect(!fileExists("\(directory)/cursor"))
        }
    }

    /// Each corrupt content, and what reading it reports.
    static let corruptions: [(content: [UInt8], error: @Sendable (String) -> CursorFileError)] = [
        ([], { .empty(path: $0) }),
        (Array(" \n\n".utf8), { .empty(path: $0) }),
        ([0x73, 0x3D, 0x00, 0x01, 0xFF], { .notText(path: $0) }),
        (Array((cursor + "\r\n").utf8), { .notText(path: $0) }),
        (Array((cursor + "\n" + later + "\n").utf8), { .severalLines(path: $0, count: 2) }),
        (Array((cursor + "\n\n").utf8), { .severalLines(path: $0, count: 2) }),
        (Array("{\"cursor\": 1}\n".utf8), { .notACursor(path: $0, line: "{\"cursor\": 1}") }),
        (Array(("-- cursor: " + cursor + "\n").utf8), { .notACursor(path: $0, line: "-- cursor: " + cursor) }),
        (Array(cursor.replacingOccurrences("i=1f", "i=1g").utf8), { .notACursor(path: $0, line: cursor.replacingOccurrences("i=1f", "i=1g")) }),
        (Array(repeating: UInt8(ascii: "a"), count: 5000), { .tooLarge(path: $0, size: 4097) }),
    ]

    @Test(arguments: corruptions.indices)
    func corruptContentIsReportedNamingTheFile(index: Int) throws {
        try withTemporaryDirectory { directory in
            let path = "\(directory)/cursor"
            let (content, error) = Self.corruptions[index]
            try writeFile(path, content)
            #expect(throws: error(path)) { try CursorFile(path: path).read() }
            #expect(error(path).description.contains(path))
        }
    }

    @Test func unreadablePathsAreReportedNamingTheFile() throws {
        try withTemporaryDirectory { directory in
            mkdir("\(directory)/dir", 0o700)
            #expect(throws: CursorFileError.notARegularFile(path: "\(directory)/dir", kind: "directory")) {
                try CursorFile(path: "\(directory)/dir").read()
            }
            // A FIFO neither blocks the read nor passes for a cursor.
            mkfifo("\(directory)/fifo", 0o600)
            #expect(throws: CursorFileError.notARegularFile(path: "\(directory)/fifo", kind: "FIFO")) {
                try CursorFile(path: "\(directory)/fifo").read()
            }
            try writeFile("\(directory)/plain", "x")
            #expect(throws: CursorFileError.unreadable(path: "\(directory)/plain/cursor", errno: ENOTDIR)) {
                try CursorFile(path: "\(directory)/plain/cursor").read()
            }
            let secret = "\(directory)/secret"
            try CursorFile(path: secret).write(Self.cursor)
            #expect(throws: CursorFileError.unreadable(path: secret, errno: EACCES)) {
                try asFilesystemUser(65534) { try CursorFile(path: secret).read() }
            }
            #expect(CursorFileError.unreadable(path: secret, errno: EACCES).description == "cannot read cursor file \(secret): Permission denied")
        }
    }

    /// The stored cursor works with journalctl --after-cursor="$(cat FILE)".
    @Test func journalctlResumesFromTheStoredCursor() throws {
        try withTemporaryDirectory { directory in
            let journal = "\(directory)/sample.journal"
            let entries = (0..<5).map { ExportEntry(realtime: baseTime + UInt64($0), ["MESSAGE": "entry \($0)"]) }
            try JournalFixture.writeJournal(entries, to: journal)
            let reader = try JournalReader(source: .files([journal]))
            try reader.seekHead()
            _ = try reader.next()
            _ = try reader.next()
            let file = CursorFile(path: "\(directory)/state/cursor")
            try file.write(try reader.cursor())
            let output = try Subprocess.run([
                "sh", "-c", "journalctl --file \"$1\" -o cat --after-cursor=\"$(cat \"$2\")\"", "sh", journal, file.path,
            ])
            #expect(output == "entry 2\nentry 3\nentry 4\n")
        }
    }
}

extension String {
    fileprivate func replacingOccurrences(_ target: String, _ replacement: String) -> String {
        split(separator: target, omittingEmptySubsequences: false).joined(separator: replacement)
    }
}
