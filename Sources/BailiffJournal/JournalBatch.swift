import CSystemd
import Glibc

/// Entries read ahead by a `JournalReadAhead`, in journal order, each with its cursor.
///
/// The reading thread only copies what libsystemd hands it (every `FIELD=value` item and
/// the cursor, back to back); picking out the fields bailiff needs happens when an entry
/// is looked at (`entry(at:into:)`), on the consumer's thread, so the two threads share the
/// work. A batch goes from the reading thread to its consumer and back for reuse, so its
/// buffers are allocated once.
public struct JournalBatch: Sendable {
    /// The fields entries are shown with.
    public internal(set) var layout: JournalFieldLayout
    /// Every entry's items and cursor, back to back, in its first `byteCount` bytes. The rest
    /// is room already allocated: filling copies into it in place, which costs a fraction of
    /// an array append per item (libsystemd hands over a dozen items per entry or more).
    var bytes: [UInt8] = []
    /// Bytes of `bytes` in use.
    private(set) var byteCount = 0
    /// Each item's place in `bytes`, in its first `itemCount` elements; the rest is room, as for `bytes`.
    var items: [JournalEntry.Span] = []
    /// Elements of `items` in use.
    private(set) var itemCount = 0
    /// Per entry, its first item in `items`, and one more: where the next entry's items start.
    var firstItems: [Int32] = [0]
    /// Per entry, its cursor's place in `bytes`.
    var cursors: [JournalEntry.Span] = []
    /// Entries a batch holds at most.
    let capacity: Int

    /// Past this many bytes a batch takes no further entry, whatever their size.
    static let byteLimit = 1 << 20

    init(capacity: Int, layout: JournalFieldLayout) {
        self.capacity = capacity
        self.layout = layout
    }

    public var count: Int { cursors.count }

    public var isEmpty: Bool { cursors.isEmpty }

    /// Whether the reader should stop filling it.
    var isFull: Bool { cursors.count >= capacity || byteCount >= Self.byteLimit }

    // MARK: - Filling (reading thread)

    /// Empties the batch, keeping its buffers.
    mutating func removeAll(layout newLayout: JournalFieldLayout) {
        layout = newLayout
        byteCount = 0
        itemCount = 0
        firstItems.removeAll(keepingCapacity: true)
        firstItems.append(0)
        cursors.removeAll(keepingCapacity: true)
    }

    /// Appends the `FIELD=value` items of the journal's current entry, each cut to
    /// `JournalEntry.maximumItemLength`. An entry past `JournalEntry.maximumRepeatStorage`
    /// bytes is a runaway: from there on only the first value of each field of the layout is kept.
    ///
    /// The reading thread's own share of every entry, so it stays small: items are copied
    /// one after the other into room the batch already holds (spans included), under one
    /// access to each buffer, with libsystemd called directly rather than through a closure.
    /// - Parameter restarting: start the enumeration of the entry's data over first (not
    ///   needed when stepping to the entry did, see `JournalReader.steppingRestartsData`).
    mutating func appendItems(of journal: OpaquePointer, restarting: Bool = true) {
        if restarting { sd_journal_restart_data(journal) }
        let entryStart = byteCount
        // An item libsystemd handed out that did not fit; its bytes stay valid until the next call into libsystemd.
        var pending: UnsafeRawBufferPointer?
        while true {
            var used = byteCount
            var usedItems = itemCount
            enum Stop { case end, room, runaway }
            let stop: Stop = bytes.withUnsafeMutableBytes { room in
                items.withUnsafeMutableBufferPointer { spans in
                    var data: UnsafeRawPointer?
                    var length = 0
                    while true {
                        let item: UnsafeRawBufferPointer
                        if let waiting = pending {
                            item = waiting
                        } else {
                            guard sd_journal_enumerate_available_data(journal, &data, &length) > 0 else { return .end }
                            guard let data else { continue }
                            item = UnsafeRawBufferPointer(start: data, count: min(length, JournalEntry.maximumItemLength))
                        }
                        if used - entryStart > JournalEntry.maximumRepeatStorage {
                            pending = item
                            return .runaway
                        }
                        guard used + item.count <= room.count, usedItems < spans.count else {
                            pending = item
                            return .room
                        }
                        pending = nil
                        if let base = item.baseAddress { memcpy(room.baseAddress! + used, base, item.count) }
                        spans[usedItems] = JournalEntry.Span(start: Int32(used), count: Int32(item.count))
                        used += item.count
                        usedItems += 1
                    }
                }
            }
            byteCount = used
            itemCount = usedItems
            switch stop {
            case .end:
                return
            case .room:
                let item = pending!
                if byteCount + item.count > bytes.count { makeRoom(upTo: byteCount + item.count) }
                if itemCount == items.count { growItems() }
            case .runaway:
                appendRunawayItems(of: journal, first: pending!)
                return
            }
        }
    }

    /// The rest of a runaway entry, starting with `first`: only the first value of each
    /// field of the layout that the entry has not had yet.
    private mutating func appendRunawayItems(of journal: OpaquePointer, first: UnsafeRawBufferPointer) {
        var kept = fieldsOfCurrentEntry(layout: layout)
        var item: UnsafeRawBufferPointer? = first
        var data: UnsafeRawPointer?
        var length = 0
        while let current = item {
            if let base = current.baseAddress,
               let index = JournalReader.fieldIndex(of: base, length: current.count, layout: layout), kept.insert(index).inserted {
                appendItem(current)
            }
            item = nil
            while item == nil, sd_journal_enumerate_available_data(journal, &data, &length) > 0 {
                if let data { item = UnsafeRawBufferPointer(start: data, count: min(length, JournalEntry.maximumItemLength)) }
            }
        }
    }

    /// Appends one item (the slow path).
    private mutating func appendItem(_ item: UnsafeRawBufferPointer) {
        if itemCount == items.count { growItems() }
        items[itemCount] = JournalEntry.Span(start: Int32(byteCount), count: Int32(item.count))
        itemCount += 1
        copy(item)
    }

    /// Ends the entry whose items were appended last.
    mutating func endEntry(cursor: UnsafeRawBufferPointer) {
        cursors.append(JournalEntry.Span(start: Int32(byteCount), count: Int32(cursor.count)))
        copy(cursor)
        firstItems.append(Int32(itemCount))
    }

    /// Doubles the room for item spans (64 at first).
    private mutating func growItems() {
        items.append(contentsOf: repeatElement(JournalEntry.Span.absent, count: max(64, items.count)))
    }

    /// Grows the room to hold at least `end` bytes.
    private mutating func makeRoom(upTo end: Int) {
        // Doubled, so growing is rare, but never past what a full batch needs: the room is
        // zeroed when it is added, so all of it is resident.
        let room = end > Self.byteLimit ? end : min(max(end, 2 * bytes.count, 4096), Self.byteLimit)
        bytes.append(contentsOf: repeatElement(0, count: room - bytes.count))
    }

    private mutating func copy(_ source: UnsafeRawBufferPointer) {
        let end = byteCount + source.count
        if end > bytes.count { makeRoom(upTo: end) }
        if let base = source.baseAddress, source.count > 0 {
            let offset = byteCount
            bytes.withUnsafeMutableBytes { room in _ = memcpy(room.baseAddress! + offset, base, source.count) }
        }
        byteCount = end
    }

    /// Forgets the items appended since the last entry ended.
    mutating func dropCurrentEntry() {
        let first = Int(firstItems[firstItems.count - 1])
        if first < itemCount {
            byteCount = Int(items[first].start)
            itemCount = first
        }
    }

    /// The layout indices of the fields among the items appended since the last entry ended.
    func fieldsOfCurrentEntry(layout: JournalFieldLayout) -> Set<Int> {
        var fields = Set<Int>()
        bytes.withUnsafeBytes { raw in
            for item in items[Int(firstItems[firstItems.count - 1])..<itemCount] {
                if let index = JournalReader.fieldIndex(of: raw.baseAddress! + Int(item.start), length: Int(item.count), layout: layout) {
                    fields.insert(index)
                }
            }
        }
        return fields
    }

    // MARK: - Looking at entries (consumer)

    /// Makes `entry` show the entry at `index` (`0..<count`). Its values stay in this batch's
    /// buffer, shared, not copied; let go of `entry` (or show it another batch's entry)
    /// before recycling the batch, or the reader has to allocate a new buffer.
    public func entry(at index: Int, into entry: inout JournalEntry) {
        precondition(index < count, "batch entry \(index) of \(count)")
        entry.show(
            bytes, items: items[Int(firstItems[index])..<Int(firstItems[index + 1])], cursor: cursors[index], layout: layout)
    }

    /// The entry at `index`, as a value of its own (for callers that keep entries).
    public subscript(index: Int) -> JournalEntry {
        var shown = JournalEntry(layout: layout)
        entry(at: index, into: &shown)
        return shown
    }
}
