import BailiffTestSupport
import Glibc
import Testing
@testable import BailiffJournal

/// Long reads must not leave the journal files' pages counted in the reader's memory.
@Suite struct MappedPagesTests {
    @Test func recognisesJournalMappingsOnly() {
        let mapping = MappedJournalPages.journalMapping
        #expect(mapping("7f00a000-7f00c000 r--s 00000000 00:1f 123 /var/log/journal/m/system.journal\n")! == (0x7f00_a000, 0x7f00_c000))
        #expect(mapping("7f00a000-7f00c000 r--s 00000000 00:1f 123 /run/log/journal/m/system@x.journal~ (deleted)\n") != nil)
        #expect(mapping("7f00a000-7f00c000 r-xp 00000000 00:1f 123 /usr/lib/libsystemd.so.0\n") == nil)
        #expect(mapping("7f00a000-7f00c000 rw-p 00000000 00:00 0 \n") == nil)
        #expect(mapping("garbage /x.journal\n") == nil)
    }

    @Test func readingThenReleasingLeavesNoJournalPagesResident() throws {
        let entries = (0..<20_000).map { index in
            ExportEntry(realtime: baseTime + UInt64(index) * 1000, [
                "_SYSTEMD_UNIT": "sshd.service", "SYSLOG_IDENTIFIER": "sshd",
                "MESSAGE": "Failed password for invalid user u\(index) from 10.0.\(index / 256 % 256).\(index % 256) port 22 ssh2",
            ])
        }
        try withTemporaryDirectory { directory in
            let path = "\(directory)/big.journal"
            try JournalFixture.writeJournal(entries, to: path)
            let reader = try JournalReader(source: .files([path]))
            try reader.seekHead()
            var count = 0
            while try reader.next() != nil { count += 1 }
            #expect(count == entries.count)
            #expect(residentKilobytes(of: path) > 0, "reading maps the file's pages")
            #expect(MappedJournalPages.release() > 0)
            #expect(residentKilobytes(of: path) == 0)
            // The reader still works after its pages were dropped: they map again on access.
            try reader.seekHead()
            #expect(try reader.next()?.messageText == "Failed password for invalid user u0 from 10.0.0.0 port 22 ssh2")
        }
    }

    /// This process's resident kilobytes in mappings of `path`, from /proc/self/smaps.
    private func residentKilobytes(of path: String) -> Int {
        guard let smaps = try? readFile("/proc/self/smaps") else { return -1 }
        var inFile = false
        var total = 0
        for line in smaps.split(separator: "\n") {
            if let first = line.first, first.isHexDigit, line.contains("-"), !line.hasPrefix("Rss") {
                inFile = line.hasSuffix(path) || line.hasSuffix(path + " (deleted)")
            } else if inFile, line.hasPrefix("Rss:") {
                total += Int(line.split(separator: " ")[1]) ?? 0
            }
        }
        return total
    }
}
