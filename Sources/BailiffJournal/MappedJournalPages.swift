import Glibc

/// Drops this process's page mappings of journal files.
///
/// libsystemd reads journal files through shared read-only mappings and keeps them, so
/// every page a long read touches stays counted in the process's resident memory: a
/// replay of a few hundred megabytes of journal would look like a few hundred megabytes
/// of daemon. The pages themselves belong to the page cache; `MADV_DONTNEED` only removes
/// them from this process's page tables, and a later access maps them again from the cache.
enum MappedJournalPages {
    /// Releases every mapping of a `.journal` or `.journal~` file (also deleted ones) and
    /// returns how many bytes of mappings it released.
    @discardableResult
    static func release() -> Int {
        // Read whole and scanned as bytes: this runs every few thousand entries.
        let descriptor = open("/proc/self/maps", O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return 0 }
        var maps: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count <= 0 { break }
            maps.append(contentsOf: chunk[0..<count])
        }
        close(descriptor)
        // libsystemd maps its windows next to each other: one call per run of neighbouring
        // mappings, so each run costs one TLB flush rather than one per window.
        var runs: [(start: UInt, end: UInt)] = []
        maps.withUnsafeBufferPointer { text in
            var start = 0
            while start < text.count {
                var end = start
                while end < text.count, text[end] != UInt8(ascii: "\n") { end += 1 }
                if let range = journalRange(ofLine: UnsafeBufferPointer(rebasing: text[start..<end])) {
                    // The lines come in address order.
                    if let last = runs.last, last.end == range.start {
                        runs[runs.count - 1].end = range.end
                    } else {
                        runs.append(range)
                    }
                }
                start = end + 1
            }
        }
        var released = 0
        for run in runs {
            let length = Int(run.end - run.start)
            if madvise(UnsafeMutableRawPointer(bitPattern: run.start), length, MADV_DONTNEED) == 0 { released += length }
        }
        return released
    }

    /// The address range of one `/proc/self/maps` line when it maps a journal file.
    static func journalMapping(_ line: String) -> (start: UInt, end: UInt)? {
        var line = line
        return line.withUTF8 { journalRange(ofLine: $0) }
    }

    static func journalRange(ofLine line: UnsafeBufferPointer<UInt8>) -> (start: UInt, end: UInt)? {
        var path = line[...]
        while path.last == UInt8(ascii: "\n") { path.removeLast() }
        if path.hasSuffix(" (deleted)") { path.removeLast(" (deleted)".utf8.count) }
        guard path.hasSuffix(".journal") || path.hasSuffix(".journal~") else { return nil }
        guard let dash = line.firstIndex(of: UInt8(ascii: "-")), let space = line.firstIndex(of: UInt8(ascii: " ")), dash < space,
              let start = hexNumber(line[..<dash]), let end = hexNumber(line[(dash + 1)..<space]), start < end
        else { return nil }
        return (start, end)
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
