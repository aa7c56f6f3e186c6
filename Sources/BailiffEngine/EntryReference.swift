import BailiffJournal
import Glibc

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
    private var ids: [[UInt8]] = []
    private var indexOfID: [[UInt8]: UInt32] = [:]
    /// The ids of the previous cursors: nearly every cursor repeats them.
    private var recent: [(bytes: [UInt8], index: UInt32)] = []

    public init() {}

    private mutating func intern(_ id: UnsafeBufferPointer<UInt8>) -> UInt32 {
        for entry in recent where entry.bytes.count == id.count {
            let equal = entry.bytes.withUnsafeBufferPointer { memcmp($0.baseAddress!, id.baseAddress!, id.count) == 0 }
            if equal { return entry.index }
        }
        let bytes = Array(id)
        let index: UInt32
        if let known = indexOfID[bytes] {
            index = known
        } else {
            ids.append(bytes)
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
        return text.withUTF8 { bytes in
            let raw = UnsafeRawBufferPointer(bytes)
            return JournalCursor.parts(raw).map { reference(for: $0, of: raw) }
        }
    }

    /// The reference for an entry whose cursor was fetched (nil otherwise).
    public mutating func reference(for entry: JournalEntry) -> EntryReference? {
        entry.withCursorBytes { bytes in
            guard let bytes, let parts = entry.cursorParts ?? JournalCursor.parts(bytes) else { return nil }
            return reference(for: parts, of: bytes)
        }
    }

    private mutating func reference(for parts: JournalCursor.Parts, of cursor: UnsafeRawBufferPointer) -> EntryReference {
        let bytes = cursor.assumingMemoryBound(to: UInt8.self)
        return EntryReference(
            seqnumID: intern(UnsafeBufferPointer(rebasing: bytes[parts.seqnumID])), bootID: intern(UnsafeBufferPointer(rebasing: bytes[parts.bootID])),
            seqnum: parts.seqnum, monotonic: parts.monotonic, realtime: parts.realtime, xorHash: parts.xorHash)
    }

    /// The cursor string `reference` came from (as `sd_journal_get_cursor` writes it).
    public func cursor(of reference: EntryReference) -> String? {
        guard Int(reference.seqnumID) < ids.count, Int(reference.bootID) < ids.count else { return nil }
        // Written as bytes: a decision names several entries, and string formatting costs more than the rest.
        var text: [UInt8] = []
        text.reserveCapacity(128)
        text.append(UInt8(ascii: "s"))
        text.append(UInt8(ascii: "="))
        text.append(contentsOf: ids[Int(reference.seqnumID)])
        Self.appendPart(UInt8(ascii: "i"), hex: reference.seqnum, to: &text)
        text.append(UInt8(ascii: ";"))
        text.append(UInt8(ascii: "b"))
        text.append(UInt8(ascii: "="))
        text.append(contentsOf: ids[Int(reference.bootID)])
        Self.appendPart(UInt8(ascii: "m"), hex: reference.monotonic, to: &text)
        Self.appendPart(UInt8(ascii: "t"), hex: reference.realtime, to: &text)
        Self.appendPart(UInt8(ascii: "x"), hex: reference.xorHash, to: &text)
        return String(decoding: text, as: UTF8.self)
    }

    /// Appends `;KEY=` and `value` in lower-case hexadecimal without leading zeros, as `%llx` prints.
    private static func appendPart(_ key: UInt8, hex value: UInt64, to text: inout [UInt8]) {
        text.append(UInt8(ascii: ";"))
        text.append(key)
        text.append(UInt8(ascii: "="))
        var shift = max(4, UInt64.bitWidth - value.leadingZeroBitCount + 3) / 4 * 4
        while shift > 0 {
            shift -= 4
            let nibble = UInt8(truncatingIfNeeded: value >> UInt64(shift)) & 0xF
            text.append(nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") + nibble - 10)
        }
    }
}
