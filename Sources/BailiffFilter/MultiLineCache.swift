import Glibc

/// The states of open multi-line ids (connections), bounded in number and age as in
/// fail2ban: at most `capacity` entries, each forgotten `lifetime` seconds after it was
/// stored; when full, the oldest entries go first.
///
/// Keyed by the id's bytes straight from the line buffer, so looking up a connection
/// costs a hash and a compare, not a String. A small open-addressing table: the
/// capacity is fixed and small, so it never grows.
struct MultiLineCache {
    let capacity: Int
    let lifetime: Double

    private struct Entry {
        var hash: UInt64
        var key: [UInt8]
        var expires: Double
        var data: FailureData
        var stamp: Int
    }

    private var slots: [Entry?]
    private let mask: Int
    private(set) var count = 0
    /// Insertion order; entries removed since leave stale stamps behind.
    private var order: [(hash: UInt64, key: [UInt8], stamp: Int)] = []
    private var head = 0
    private var nextStamp = 0

    init(capacity: Int, lifetime: Double) {
        self.capacity = capacity
        self.lifetime = lifetime
        var size = 16
        while size < 2 * capacity + 1 { size *= 2 }
        slots = Array(repeating: nil, count: size)
        mask = size - 1
    }

    /// FNV-1a: ids are a few dozen bytes at most, and the table verifies the key anyway.
    static func hash(_ key: UnsafeRawBufferPointer) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in key { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        return hash
    }

    private func find(_ key: UnsafeRawBufferPointer, hash: UInt64) -> Int? {
        var index = Int(truncatingIfNeeded: hash) & mask
        while let entry = slots[index] {
            if entry.hash == hash, entry.key.count == key.count,
               key.isEmpty || entry.key.withUnsafeBytes({ memcmp($0.baseAddress!, key.baseAddress!, key.count) == 0 }) {
                return index
            }
            index = (index + 1) & mask
        }
        return nil
    }

    /// The live state for `key`; an expired one is dropped.
    mutating func get(_ key: UnsafeRawBufferPointer, now: Double) -> FailureData? {
        guard let index = find(key, hash: MultiLineCache.hash(key)), let entry = slots[index] else { return nil }
        if entry.expires > now { return entry.data }
        removeSlot(index)
        return nil
    }

    /// Stores `data` for `key`. As in fail2ban's ordered cache, a key already present keeps
    /// its place in the eviction order; a full cache first drops its oldest entries.
    mutating func set(_ key: UnsafeRawBufferPointer, _ data: FailureData, now: Double) {
        let hash = MultiLineCache.hash(key)
        if count >= capacity { evict(now: now) }
        if let index = find(key, hash: hash), var entry = slots[index] {
            entry.expires = now + lifetime
            entry.data = data
            slots[index] = entry
            return
        }
        nextStamp += 1
        let stored = Array(key)
        var index = Int(truncatingIfNeeded: hash) & mask
        while slots[index] != nil { index = (index + 1) & mask }
        slots[index] = Entry(hash: hash, key: stored, expires: now + lifetime, data: data, stamp: nextStamp)
        count += 1
        order.append((hash, stored, nextStamp))
        if head > 256, head * 2 > order.count {
            order.removeFirst(head)
            head = 0
        }
    }

    mutating func remove(_ key: UnsafeRawBufferPointer) {
        if let index = find(key, hash: MultiLineCache.hash(key)) { removeSlot(index) }
    }

    /// Empties a slot and shifts later entries of the same probe run back into the gap,
    /// so lookups never stop early at a hole.
    private mutating func removeSlot(_ removed: Int) {
        slots[removed] = nil
        count -= 1
        var hole = removed
        var index = (removed + 1) & mask
        while let entry = slots[index] {
            let home = Int(truncatingIfNeeded: entry.hash) & mask
            // The entry may move into the hole unless its home lies cyclically in (hole, index].
            let stays = hole <= index ? (home > hole && home <= index) : (home > hole || home <= index)
            if !stays {
                slots[hole] = entry
                slots[index] = nil
                hole = index
            }
            index = (index + 1) & mask
        }
    }

    /// Drops the oldest entries until one still alive has made room.
    private mutating func evict(now: Double) {
        while head < order.count {
            let (hash, key, stamp) = order[head]
            head += 1
            let found = key.withUnsafeBytes { find($0, hash: hash) }
            guard let index = found, let entry = slots[index], entry.stamp == stamp else { continue }
            removeSlot(index)
            if entry.expires > now, count < capacity { return }
        }
    }
}
