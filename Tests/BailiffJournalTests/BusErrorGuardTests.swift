import BailiffJournal
import BailiffTestSupport
import Glibc
import Testing

/// A journal file truncated under a reader (as journald does to files it archives or vacuums)
/// must not kill the process. Without the guard, each test here dies of SIGBUS.
@Suite struct BusErrorGuardTests {
    @Test func readingATruncatedMappingYieldsZeros() throws {
        try JournalBusErrorGuard.install()
        try JournalBusErrorGuard.install()   // a second call is harmless
        try withTemporaryDirectory { directory in
            let path = "\(directory)/mapped"
            try writeFile(path, [UInt8](repeating: 0xAB, count: 2 * 4096))
            let descriptor = open(path, O_RDONLY)
            defer { close(descriptor) }
            let mapping = try #require(mmap(nil, 2 * 4096, PROT_READ, MAP_SHARED, descriptor, 0))
            defer { munmap(mapping, 2 * 4096) }
            #expect(mapping.load(fromByteOffset: 4096, as: UInt8.self) == 0xAB)
            #expect(truncate(path, 0) == 0)
            #expect(mapping.load(fromByteOffset: 4096 + 17, as: UInt8.self) == 0)
        }
    }

    @Test func readerOfATruncatedJournalFileCarriesOn() throws {
        try JournalBusErrorGuard.install()
        try withTemporaryDirectory { directory in
            let entries = (0..<50).map { ExportEntry(realtime: baseTime + UInt64($0), ["MESSAGE": "entry \($0)"]) }
            try JournalFixture.writeJournal(Array(entries[..<25]), to: "\(directory)/old.journal")
            try JournalFixture.writeJournal(Array(entries[25...]), to: "\(directory)/new.journal")
            let reader = try JournalReader(source: .directory(directory))
            try reader.seekHead()
            #expect(try reader.next()?.messageText == "entry 0")
            // The file being read shrinks to nothing, as a deallocated one does.
            #expect(truncate("\(directory)/old.journal", 0) == 0)
            var messages: [String] = []
            var failures = 0
            while messages.count < 100, failures < 100 {
                do throws(JournalError) {
                    guard let entry = try reader.next() else { break }
                    messages.append(entry.messageText)
                } catch {
                    failures += 1
                }
            }
            // Whatever was lost with the truncated file, the other file is read in full.
            #expect(Array(messages.suffix(25)) == (25..<50).map { "entry \($0)" })
        }
    }
}
