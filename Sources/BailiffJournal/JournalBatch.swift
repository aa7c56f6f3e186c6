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
    /// Each item's place in `bytes`.
    var items: [JournalEntry.Span] = []
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
        items.removeAll(keepingCapacity: true)
        firstItems.removeAll(keepingCapacity: true)
        firstItems.append(0)
        cursors.removeAll(keepingCapacity: true)
    }

    /// Appends the `FIELD=value` items of the entry being read, as `nextItem` hands them
    /// out (nil once there are no more), each cut to `JournalEntry.maximumItemLength`. An
    /// entry past `JournalEntry.maximumRepeatStorage` bytes is a runaway: from there on only
    /// the first value of each field of the layout is kept.
    mutating func appendItems(_ nextItem: () -> UnsafeRawBufferPointer?) {
        let entryStart = byteCount
        var keptFields: Set<Int>?
        var pending = nextItem()
        while let item = pending {
            guard let base = item.baseAddress else {
                pending = nextItem()
                continue
            }
            let length = min(item.count, JournalEntry.maximumItemLength)
            if byteCount - entryStart > JournalEntry.maximumRepeatStorage {
                if keptFields == nil { keptFields = fieldsOfCurrentEntry(layout: layout) }
                if let index = JournalReader.fieldIndex(of: base, length: length, layout: layout), keptFields!.insert(index).inserted {
                    items.append(JournalEntry.Span(start: Int32(byteCount), count: Int32(length)))
                    copy(UnsafeRawBufferPointer(start: base, count: length))
                }
                pending = nextItem()
                continue
            }
            if byteCount + length > bytes.count { makeRoom(upTo: byteCount + length) }
            // The common case: items copied one after the other under one access to the
            // buffer, until one does not fit or the entry becomes a runaway.
            var used = byteCount
            var spans: [JournalEntry.Span] = []
            swap(&spans, &items)
            pending = bytes.withUnsafeMutableBytes { room -> UnsafeRawBufferPointer? in
                var current: UnsafeRawBufferPointer? = item
                while let candidate = current {
                    guard let source = candidate.baseAddress else {
                        current = nextItem()
                        continue
                    }
                    let length = min(candidate.count, JournalEntry.maximumItemLength)
                    guard used + length <= room.count, used - entryStart <= JournalEntry.maximumRepeatStorage else { return candidate }
                    memcpy(room.baseAddress! + used, source, length)
                    spans.append(JournalEntry.Span(start: Int32(used), count: Int32(length)))
                    used += length
                    current = nextItem()
                }
                return nil
            }
            swap(&spans, &items)
            byteCount = used
        }
    }

    /// Ends the entry whose items were appended last.
    mutating func endEntry(cursor: UnsafeRawBufferPointer) {
        cursors.append(JournalEntry.Span(start: Int32(byteCount), count: Int32(cursor.count)))
        copy(cursor)
        firstItems.append(Int32(items.count))
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
        if first < items.count {
            byteCount = Int(items[first].start)
            items.removeSubrange(first...)
        }
    }

    /// The layout indices of the fields among the items appended since the last entry ended.
    func fieldsOfCurrentEntry(layout: JournalFieldLayout) -> Set<Int> {
        var fields = Set<Int>()
        bytes.withUnsafeBytes { raw in
            for item in items[Int(firstItems[firstItems.count - 1])...] {
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
