import BailiffTestSupport
import Glibc
import Testing
@testable import BailiffJournal

/// Long reads must not leave the journal files' pages, nor the program text only starting
/// up ran, counted in the reader's memory.
@Suite struct MappedPagesTests {
    @Test func recognisesJournalMappingsOnly() {
        let mapping = MappedPages.journalMapping
        #expect(mapping("7f00a000-7f00c000 r--s 00000000 00:1f 123 /var/log/journal/m/system.journal\n") == 0x7f00_a000..<0x7f00_c000)
        #expect(mapping("7f00a000-7f00c000 r--s 00000000 00:1f 123 /run/log/journal/m/system@x.journal~ (deleted)\n") != nil)
        #expect(mapping("7f00a000-7f00c000 r-xp 00000000 00:1f 123 /usr/lib/libsystemd.so.0\n") == nil)
        #expect(mapping("7f00a000-7f00c000 rw-p 00000000 00:00 0 \n") == nil)
        #expect(mapping("garbage /x.journal\n") == nil)
    }

    @Test func recognisesProgramTextMappingsOnly() {
        let mapping = MappedPages.textMapping
        #expect(mapping("55b0b23f3000-55b0b3cec000 r-xp 00000000 fe:00 5318456                    /usr/sbin/bailiffd\n")
            == 0x55b0_b23f_3000..<0x55b0_b3ce_c000)
        #expect(mapping("7f00a000-7f00c000 r-xp 00026000 fe:00 77 /usr/lib/x86_64-linux-gnu/libc.so.6\n") != nil)
        // Upgraded underneath: the old text is still what runs.
        #expect(mapping("55b0b23f3000-55b0b3cec000 r-xp 00000000 fe:00 5318456 /usr/sbin/bailiffd (deleted)\n") != nil)
        // Relocated read-only data and writable data are private copies: never dropped.
        #expect(mapping("55b0b3ced000-55b0b3da2000 r--p 018f9000 fe:00 5318456 /usr/sbin/bailiffd\n") == nil)
        #expect(mapping("55b0b3da2000-55b0b61d1000 rw-p 019ae000 fe:00 5318456 /usr/sbin/bailiffd\n") == nil)
        // Nor the vDSO, nor code compiled at run time (regular expressions), which no file holds.
        #expect(mapping("7ffd1e5f0000-7ffd1e5f2000 r-xp 00000000 00:00 0                          [vdso]\n") == nil)
        #expect(mapping("7f00a000-7f00c000 r-xp 00000000 00:00 0 \n") == nil)
        #expect(mapping("garbage r-xp /x\n") == nil)
    }

    @Test func tellsPrivateCopiesOfAFilesPagesFromTheFilesOwn() throws {
        try withTemporaryDirectory { directory in
            let path = "\(directory)/pages"
            try writeFile(path, String(repeating: "x", count: 4 * 4096))
            let descriptor = open(path, O_RDONLY)
            #expect(descriptor >= 0)
            defer { close(descriptor) }
            let length = 4 * 4096
            let base = try #require(mmap(nil, length, PROT_READ | PROT_WRITE, MAP_PRIVATE, descriptor, 0))
            #expect(base != MAP_FAILED)
            defer { munmap(base, length) }
            let start = UInt(bitPattern: base)
            let range = start..<(start + UInt(length))
            let bytes = base.assumingMemoryBound(to: UInt8.self)
            var sum = 0
            for page in 0..<4 { sum += Int(bytes[page * 4096]) }
            #expect(sum == 4 * Int(UInt8(ascii: "x")))
            let pagemap = open("/proc/self/pagemap", O_RDONLY)
            try #require(pagemap >= 0)
            defer { close(pagemap) }
            #expect(MappedPages.hasPrivateCopies(range, pagemap: pagemap) == false, "read pages are the file's")
            // A write makes a private copy of its page, as a debugger's breakpoint does in text.
            bytes[2 * 4096] = UInt8(ascii: "x")
            #expect(MappedPages.hasPrivateCopies(range, pagemap: pagemap) == true)
            #expect(MappedPages.hasPrivateCopies(start..<(start + 2 * 4096), pagemap: pagemap) == false)
        }
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
            #expect(residentKilobytes { $0.hasSuffix(path) || $0.hasSuffix(path + " (deleted)") } > 0, "reading maps the file's pages")
            #expect(MappedPages.release() > 0)
            #expect(residentKilobytes { $0.hasSuffix(path) || $0.hasSuffix(path + " (deleted)") } == 0)
            // The reader still works after its pages were dropped: they map again on access.
            try reader.seekHead()
            #expect(try reader.next()?.messageText == "Failed password for invalid user u0 from 10.0.0.0 port 22 ssh2")
        }
    }

    @Test func releasingDropsProgramTextThatIsNotRunning() throws {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let length = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        try #require(length > 0)
        let program = String(decoding: buffer[0..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        func isText(_ header: Substring) -> Bool { header.contains(" r-xp ") && header.hasSuffix(program) }
        let before = residentKilobytes(where: isText)
        #expect(before > 0)
        MappedPages.release()
        // What runs from here on (this test, the reading of smaps) maps its pages again, a
        // small part of what the test process has run so far.
        let after = residentKilobytes(where: isText)
        #expect(after < before / 2, "program text resident: \(before) kB before releasing, \(after) kB after")
    }

    /// This process's resident kilobytes in the mappings whose /proc/self/smaps header line
    /// `wanted` accepts.
    private func residentKilobytes(where wanted: (Substring) -> Bool) -> Int {
        guard let smaps = try? readFile("/proc/self/smaps") else { return -1 }
        var inWanted = false
        var total = 0
        for line in smaps.split(separator: "\n") {
            if let first = line.first, first.isHexDigit, line.contains("-"), !line.hasPrefix("Rss") {
                inWanted = wanted(line)
            } else if inWanted, line.hasPrefix("Rss:") {
                total += Int(line.split(separator: " ")[1]) ?? 0
            }
        }
        return total
    }
}
