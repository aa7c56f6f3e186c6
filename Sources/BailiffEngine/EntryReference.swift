/// Where a journal entry is, compactly: the parts of its cursor as numbers, with the two
/// 128-bit ids (sequence-number id and boot id) stored once in an `EntryReferenceTable`.
/// Failure windows hold one per failure, so 40 bytes instead of a 110-byte cursor string
/// keeps 100,000 hosts in a few megabytes.
public struct EntryReference: Sendable, Hashable {
    var seqnumID: UInt32
    var bootID: UInt32
    var seqnum: UInt64
    var monotonic: UInt64
    /// When journald received the entry, microseconds since the epoch (`t=` of the cursor).
    public var realtime: UInt64
    var xorHash: UInt64

    /// A placeholder for entries whose cursor is unknown.
    public static let unknown = EntryReference(seqnumID: .max, bootID: .max, seqnum: 0, monotonic: 0, realtime: 0, xorHash: 0)
}

/// The ids cursors share, each stored once; turns cursors into `EntryReference`s and back.
/// Parsing works on the cursor's bytes: it runs once per failure, so it must be cheap.
public struct EntryReferenceTable: Sendable {
    private var ids: [String] = []
    private var indexOfID: [[UInt8]: UInt32] = [:]
    /// The ids of the previous cursor: nearly every cursor repeats them.
    private var recent: [(bytes: [UInt8], index: UInt32)] = []

    public init() {}

    private mutating func intern(_ id: UnsafeBufferPointer<UInt8>) -> UInt32 {
        for entry in recent where entry.bytes.count == id.count && entry.bytes.withUnsafeBufferPointer({ $0.elementsEqual(id) }) {
            return entry.index
        }
        let bytes = Array(id)
        let index: UInt32
        if let known = indexOfID[bytes] {
            index = known
        } else {
            ids.append(String(decoding: bytes, as: UTF8.self))
            index = UInt32(ids.count - 1)
            indexOfID[bytes] = index
        }
        if recent.count == 4 { recent.removeFirst() }
        recent.append((bytes, index))
        return index
    }

    /// The reference for a cursor `s=..;i=..;b=..;m=..;t=..;x=..`; nil when it has another shape.
    public mutating func reference(for cursor: String) -> EntryReference? {
        var text = cursor
        return text.withUTF8 { parse($0) }
    }

    private mutating func parse(_ bytes: UnsafeBufferPointer<UInt8>) -> EntryReference? {
        var position = 0
        /// The value of the next `key=value` part.
        func part(_ key: UInt8) -> UnsafeBufferPointer<UInt8>? {
            guard position + 2 <= bytes.count, bytes[position] == key, bytes[position + 1] == 0x3D else { return nil }
            let start = position + 2
            var end = start
            while end < bytes.count, bytes[end] != 0x3B { end += 1 }
            position = end + 1
            return end > start ? UnsafeBufferPointer(rebasing: bytes[start..<end]) : nil
        }
        func hex(_ digits: UnsafeBufferPointer<UInt8>?) -> UInt64? {
            guard let digits, digits.count <= 16 else { return nil }
            var value: UInt64 = 0
            for digit in digits {
                let nibble: UInt8
                switch digit {
                case 0x30...0x39: nibble = digit - 0x30
                case 0x61...0x66: nibble = digit - 0x61 + 10
                case 0x41...0x46: nibble = digit - 0x41 + 10
                default: return nil
                }
                value = value << 4 | UInt64(nibble)
            }
            return value
        }
        guard let s = part(0x73), let i = hex(part(0x69)), let b = part(0x62), let m = hex(part(0x6D)),
              let t = hex(part(0x74)), let x = hex(part(0x78)), position >= bytes.count
        else { return nil }
        return EntryReference(seqnumID: intern(s), bootID: intern(b), seqnum: i, monotonic: m, realtime: t, xorHash: x)
    }

    /// The cursor string `reference` came from (as `sd_journal_get_cursor` writes it).
    public func cursor(of reference: EntryReference) -> String? {
        guard Int(reference.seqnumID) < ids.count, Int(reference.bootID) < ids.count else { return nil }
        func hex(_ value: UInt64) -> String { String(value, radix: 16) }
        return "s=\(ids[Int(reference.seqnumID)]);i=\(hex(reference.seqnum));b=\(ids[Int(reference.bootID)]);"
            + "m=\(hex(reference.monotonic));t=\(hex(reference.realtime));x=\(hex(reference.xorHash))"
    }
}
