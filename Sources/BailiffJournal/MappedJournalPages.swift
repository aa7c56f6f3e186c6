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
        guard let maps = fopen("/proc/self/maps", "r") else { return 0 }
        defer { fclose(maps) }
        var released = 0
        var line = [CChar](repeating: 0, count: 4096)
        while fgets(&line, Int32(line.count), maps) != nil {
            let text = line.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
            guard let range = journalMapping(text) else { continue }
            let length = Int(range.end - range.start)
            if madvise(UnsafeMutableRawPointer(bitPattern: range.start), length, MADV_DONTNEED) == 0 { released += length }
        }
        return released
    }

    /// The address range of one `/proc/self/maps` line when it maps a journal file.
    static func journalMapping(_ line: String) -> (start: UInt, end: UInt)? {
        var path = Substring(line)
        while path.last == "\n" { path.removeLast() }
        if path.hasSuffix(" (deleted)") { path.removeLast(" (deleted)".count) }
        guard path.hasSuffix(".journal") || path.hasSuffix(".journal~") else { return nil }
        guard let dash = line.firstIndex(of: "-"), let space = line.firstIndex(of: " "), dash < space,
              let start = UInt(line[..<dash], radix: 16), let end = UInt(line[line.index(after: dash)..<space], radix: 16),
              start < end
        else { return nil }
        return (start, end)
    }
}
