import Glibc

/// The fields a reader fetches for each entry, in a fixed order, so entries and compiled
/// matches address them by index instead of by name.
///
/// Unchecked Sendable: everything is set in `init` and never changed; `nameTable` is
/// memory only this object owns.
public final class JournalFieldLayout: @unchecked Sendable {
    /// What fail2ban's journal line and entry time are built from; always fetched, in this order.
    public static let standardFields = [
        "MESSAGE", "_HOSTNAME", "SYSLOG_IDENTIFIER", "_COMM", "SYSLOG_PID", "_PID",
        "_SOURCE_MONOTONIC_TIMESTAMP", "_SOURCE_REALTIME_TIMESTAMP",
    ]

    // Indices of the standard fields.
    static let message = 0
    static let hostname = 1
    static let syslogIdentifier = 2
    static let command = 3
    static let syslogPID = 4
    static let pid = 5
    static let sourceMonotonic = 6
    static let sourceRealtime = 7

    /// The standard fields alone.
    public static let standard = JournalFieldLayout(additionalFields: [])

    /// Every field fetched: the standard ones, then the additional ones.
    public let names: [String]
    private let indexByName: [String: Int]
    /// The names' bytes grouped by length, for `index(ofName:count:)`, which runs for every
    /// item of every entry: Swift arrays there cost a retain and a release per item looked
    /// at, more than the comparing itself. Laid out as `NameTable` says.
    private let nameTable: UnsafeMutableRawPointer
    private static let longest = JournalFieldName.maximumLength

    /// Where things are in `nameTable`: per name length 0...longest, the first of its
    /// candidates, and one more entry for the end (Int32 each); then per candidate, the
    /// offset of its name's bytes and its field index (two Int32); then the bytes of the names.
    private enum NameTable {
        static let candidates = (longest + 2) * 4
        static func bytes(candidates count: Int) -> Int { candidates + count * 8 }
    }

    /// A layout with the standard fields and `additionalFields` (duplicates and standard names ignored).
    public init(additionalFields: some Sequence<String>) {
        var names = Self.standardFields
        for field in additionalFields where !names.contains(field) { names.append(field) }
        self.names = names
        var indexByName: [String: Int] = [:]
        for (index, name) in names.enumerated() { indexByName[name] = index }
        self.indexByName = indexByName

        // Only names a journal can hold are ever looked up this way.
        let kept = names.enumerated().filter { $0.element.utf8.count <= Self.longest }
            .sorted { ($0.element.utf8.count, $0.offset) < ($1.element.utf8.count, $1.offset) }
        let byteTotal = kept.reduce(0) { $0 + $1.element.utf8.count }
        let size = NameTable.bytes(candidates: kept.count) + byteTotal
        let table = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 8)
        let starts = table.bindMemory(to: Int32.self, capacity: Self.longest + 2)
        var nameOffset = NameTable.bytes(candidates: kept.count)
        var candidate = 0
        for length in 0...(Self.longest + 1) {
            starts[length] = Int32(candidate)
            guard length <= Self.longest else { break }
            while candidate < kept.count, kept[candidate].element.utf8.count == length {
                let slot = table + NameTable.candidates + candidate * 8
                slot.storeBytes(of: Int32(nameOffset), as: Int32.self)
                (slot + 4).storeBytes(of: Int32(kept[candidate].offset), as: Int32.self)
                for byte in kept[candidate].element.utf8 {
                    (table + nameOffset).storeBytes(of: byte, as: UInt8.self)
                    nameOffset += 1
                }
                candidate += 1
            }
        }
        nameTable = table
    }

    deinit {
        nameTable.deallocate()
    }

    public var count: Int { names.count }

    public func index(of field: String) -> Int? { indexByName[field] }

    /// The index of the field whose name is `count` bytes at `name`, if this layout fetches it.
    func index(ofName name: UnsafePointer<UInt8>, count: Int) -> Int? {
        guard count <= Self.longest else { return nil }
        let starts = nameTable.assumingMemoryBound(to: Int32.self)
        var candidate = Int(starts[count])
        let end = Int(starts[count + 1])
        guard candidate < end else { return nil }
        let candidates = nameTable + NameTable.candidates
        while candidate < end {
            let slot = candidates + candidate * 8
            let bytes = UnsafeRawPointer(nameTable + Int(slot.load(as: Int32.self)))
            var position = 0
            while position < count, bytes.load(fromByteOffset: position, as: UInt8.self) == name[position] { position += 1 }
            if position == count { return Int((slot + 4).load(as: Int32.self)) }
            candidate += 1
        }
        return nil
    }
}
