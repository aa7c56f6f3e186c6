/// Finds an id's window record: an open-addressing hash table of record numbers.
///
/// The ids themselves live only in the records, so the table costs 4 bytes a slot instead
/// of a dictionary's copy of every key (a third of the memory of a window with one
/// failure). Linear probing with deletion by shifting back, so no tombstones pile up.
struct WindowIndex: Sendable {
    /// Record number + 1; 0 is an empty slot.
    private var slots: [UInt32] = []
    private(set) var count = 0

    /// Grows the table before it is more than 70 % full, where probes stay short.
    private static func capacity(for count: Int) -> Int {
        var capacity = 16
        while count * 10 > capacity * 7 { capacity *= 2 }
        return capacity
    }

    private var mask: Int { slots.count - 1 }

    private func home(of id: String) -> Int { id.hashValue & mask }

    func find(_ id: String, in records: ChunkedArray<WindowRecord>) -> UInt32? {
        guard !slots.isEmpty else { return nil }
        var slot = home(of: id)
        while slots[slot] != 0 {
            let record = slots[slot] - 1
            if records[Int(record)].id == id { return record }
            slot = (slot + 1) & mask
        }
        return nil
    }

    /// Adds a record whose id is not in the table yet.
    mutating func insert(_ record: UInt32, in records: ChunkedArray<WindowRecord>) {
        if slots.isEmpty || WindowIndex.capacity(for: count + 1) > slots.count {
            rebuild(capacity: WindowIndex.capacity(for: count + 1), records: records)
        }
        place(record, id: records[Int(record)].id)
        count += 1
    }

    /// Removes the record for `id`, if present.
    mutating func remove(_ id: String, in records: ChunkedArray<WindowRecord>) {
        guard !slots.isEmpty else { return }
        var hole = home(of: id)
        while slots[hole] != 0, records[Int(slots[hole] - 1)].id != id { hole = (hole + 1) & mask }
        guard slots[hole] != 0 else { return }
        // Move back every later entry of the run that may sit in the hole.
        var next = (hole + 1) & mask
        while slots[next] != 0 {
            let wanted = home(of: records[Int(slots[next] - 1)].id)
            let reachable = hole <= next ? (wanted <= hole || wanted > next) : (wanted <= hole && wanted > next)
            if reachable {
                slots[hole] = slots[next]
                hole = next
            }
            next = (next + 1) & mask
        }
        slots[hole] = 0
        count -= 1
    }

    private mutating func place(_ record: UInt32, id: String) {
        var slot = home(of: id)
        while slots[slot] != 0 { slot = (slot + 1) & mask }
        slots[slot] = record + 1
    }

    private mutating func rebuild(capacity: Int, records: ChunkedArray<WindowRecord>) {
        let old = slots
        slots = Array(repeating: 0, count: capacity)
        for entry in old where entry != 0 { place(entry - 1, id: records[Int(entry - 1)].id) }
    }
}
