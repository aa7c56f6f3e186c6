import BailiffConfig
import Glibc

/// Drops page mappings that would otherwise stay counted in this process's resident memory
/// for as long as it runs: those of the journal files it reads, and those of the program
/// text (its own and its libraries') that only starting up used.
///
/// libsystemd reads journal files through shared read-only mappings and keeps them, so
/// every page a long read touches stays resident: a replay of a few hundred megabytes of
/// journal would look like a few hundred megabytes of daemon. Likewise every page of program
/// text that argument parsing and configuration loading ran (the kernel maps text in chunks
/// of 16 pages) stays mapped, some 10 MB that the reading loop never runs again.
///
/// The pages themselves belong to the page cache; `MADV_DONTNEED` only removes them from
/// this process's page tables, and a later access maps them again from the cache. That holds
/// for program text only while no page of it was written: a debugger's breakpoint or a
/// uprobe is a private copy of its page, which `MADV_DONTNEED` would throw away, so text
/// holding any such copy is left alone.
enum MappedPages {
    /// Releases every mapping of a `.journal` or `.journal~` file (also deleted ones) and
    /// of program text, and returns how many bytes of mappings it released.
    @discardableResult
    static func release() -> Int {
        guard case .success(let maps) = ConfigFiles.contents("/proc/self/maps") else { return 0 }
        // Opened once for every text mapping's check; without it no text is released.
        let pagemap = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC)
        defer { if pagemap >= 0 { close(pagemap) } }
        // libsystemd maps its windows next to each other: one call per run of neighbouring
        // mappings, so each run costs one TLB flush rather than one per window.
        var runs: [Range<UInt>] = []
        maps.withUnsafeBufferPointer { text in
            var start = 0
            while start < text.count {
                var end = start
                while end < text.count, text[end] != UInt8(ascii: "\n") { end += 1 }
                let line = UnsafeBufferPointer(rebasing: text[start..<end])
                if let range = journalRange(ofLine: line) ?? (pagemap >= 0 ? textRange(ofLine: line, pagemap: pagemap) : nil) {
                    // The lines come in address order.
                    if let last = runs.last, last.upperBound == range.lowerBound {
                        runs[runs.count - 1] = last.lowerBound..<range.upperBound
                    } else {
                        runs.append(range)
                    }
                }
                start = end + 1
            }
        }
        var released = 0
        for run in runs {
            let length = Int(run.upperBound - run.lowerBound)
            if madvise(UnsafeMutableRawPointer(bitPattern: run.lowerBound), length, MADV_DONTNEED) == 0 { released += length }
        }
        return released
    }

    /// The address range of one `/proc/self/maps` line when it maps a journal file.
    static func journalMapping(_ line: String) -> Range<UInt>? {
        var line = line
        return line.withUTF8 { journalRange(ofLine: $0) }
    }

    /// The address range of one `/proc/self/maps` line when it maps a file's program text.
    static func textMapping(_ line: String) -> Range<UInt>? {
        var line = line
        return line.withUTF8 { textRange(ofLine: $0, pagemap: nil) }
    }

    static func journalRange(ofLine line: UnsafeBufferPointer<UInt8>) -> Range<UInt>? {
        let path = mappedPath(ofLine: line)
        guard path.hasSuffix(".journal") || path.hasSuffix(".journal~") else { return nil }
        return addressRange(ofLine: line)
    }

    /// The range of a file's text mapping (read-only, executable, private: the program's
    /// and its libraries'; not the vDSO, not anonymous code) when no page of it is a private
    /// copy, as `pagemap` (a descriptor of `/proc/self/pagemap`) tells (see `hasPrivateCopies`);
    /// without `pagemap`, copies are not looked for.
    static func textRange(ofLine line: UnsafeBufferPointer<UInt8>, pagemap: Int32?) -> Range<UInt>? {
        guard mappedPath(ofLine: line).first == UInt8(ascii: "/"), let range = addressRange(ofLine: line),
              let space = line.firstIndex(of: UInt8(ascii: " ")), line.count >= space + 5,
              line[(space + 1)..<(space + 5)].elementsEqual("r-xp".utf8)
        else { return nil }
        if let pagemap, hasPrivateCopies(range, pagemap: pagemap) != false { return nil }
        return range
    }

    /// Whether any page of `range` is mapped to a private (anonymous) copy rather than to the
    /// file's page, from `pagemap`, a descriptor of `/proc/self/pagemap`; nil when that cannot be read.
    static func hasPrivateCopies(_ range: Range<UInt>, pagemap: Int32) -> Bool? {
        let pageSize = UInt(sysconf(Int32(_SC_PAGESIZE)))
        // One 64-bit word per page: bit 63 says the page is present, bit 62 that it is swapped
        // out (only private copies can be), bit 61 that it is a file's page.
        let presentOrSwapped: UInt64 = 1 << 63 | 1 << 62
        let fileBacked: UInt64 = 1 << 61
        var words = [UInt64](repeating: 0, count: 4096)
        var page = range.lowerBound / pageSize
        let end = range.upperBound / pageSize
        while page < end {
            let wanted = Int(min(UInt(words.count), end - page))
            let count = words.withUnsafeMutableBytes { pread(pagemap, $0.baseAddress, wanted * 8, off_t(page * 8)) }
            guard count > 0, count % 8 == 0 else { return nil }
            for word in words[0..<(count / 8)] where word & presentOrSwapped != 0 && word & fileBacked == 0 { return true }
            page += UInt(count / 8)
        }
        return false
    }

    /// The path a `/proc/self/maps` line names, without a trailing ` (deleted)`.
    private static func mappedPath(ofLine line: UnsafeBufferPointer<UInt8>) -> Slice<UnsafeBufferPointer<UInt8>> {
        var path = line[...]
        while path.last == UInt8(ascii: "\n") { path.removeLast() }
        if path.hasSuffix(" (deleted)") { path.removeLast(" (deleted)".utf8.count) }
        // The path is the sixth column; columns are separated by runs of spaces.
        var column = 0
        var index = path.startIndex
        while index < path.endIndex, column < 5 {
            while index < path.endIndex, path[index] != UInt8(ascii: " ") { index += 1 }
            while index < path.endIndex, path[index] == UInt8(ascii: " ") { index += 1 }
            column += 1
        }
        return path[index...]
    }

    private static func addressRange(ofLine line: UnsafeBufferPointer<UInt8>) -> Range<UInt>? {
        guard let dash = line.firstIndex(of: UInt8(ascii: "-")), let space = line.firstIndex(of: UInt8(ascii: " ")), dash < space,
              let start = hexNumber(line[..<dash]), let end = hexNumber(line[(dash + 1)..<space]), start < end
        else { return nil }
        return start..<end
    }

    private static func hexNumber(_ digits: Slice<UnsafeBufferPointer<UInt8>>) -> UInt? {
        guard !digits.isEmpty, digits.count <= 16 else { return nil }
        var value: UInt = 0
        for digit in digits {
            switch digit {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): value = value << 4 | UInt(digit - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): value = value << 4 | UInt(digit - UInt8(ascii: "a") + 10)
            default: return nil
            }
        }
        return value
    }
}

extension Slice where Base == UnsafeBufferPointer<UInt8> {
    fileprivate func hasSuffix(_ suffix: String) -> Bool {
        let tail = suffix.utf8
        return count >= tail.count && self.suffix(tail.count).elementsEqual(tail)
    }
}
