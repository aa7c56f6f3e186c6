import Glibc

/// The states of open multi-line ids (connections), bounded in number and age as in
/// fail2ban: at most `capacity` entries, each forgotten `lifetime` seconds after it was
/// stored; when full, the oldest entries go first.
///
/// Keyed by the id's bytes straight from the line buffer, so looking up a connection
/// costs a hash and a compare, not a String. Entries live in a fixed pool whose key
/// storage is reused, and the states of dropped entries are handed back for reuse, so
/// a busy log of short connections allocates nothing per connection. Used from one
/// thread, like the processor that owns it.
final class MultiLineCache {
    let capacity: Int
    let lifetime: Double

    /// The pool, one more than the capacity (`insert` may add before its eviction is done).
    private let poolSize: Int
    private let hashes: UnsafeMutablePointer<UInt64>
    private let expiries: UnsafeMutablePointer<Double>
    /// Insertion stamp of each entry; 0 while the entry is free.
    private let stamps: UnsafeMutablePointer<Int>
    private let keys: UnsafeMutablePointer<UnsafeMutableRawPointer?>
    private let keyCounts: UnsafeMutablePointer<Int>
    private let keyCapacities: UnsafeMutablePointer<Int>
    private var data: [FailureData?]
    private var freeEntries: [Int32]
    /// Open addressing over entry indices (-1: empty).
    private let table: UnsafeMutablePointer<Int32>
    private let mask: Int
    private(set) var count = 0
    /// Insertion order from `head` on; entries removed since leave stale stamps behind.
    private var order: [(entry: Int32, stamp: Int)] = []
    private var head = 0
    private var nextStamp = 0
    /// States of dropped entries, reusable once nothing else holds them.
    private var spare: [FailureData] = []

    init(capacity: Int, lifetime: Double) {
        self.capacity = capacity
        self.lifetime = lifetime
        var size = 16
        while size < 2 * capacity + 1 { size *= 2 }
        table = .allocate(capacity: size)
        table.initialize(repeating: -1, count: size)
        mask = size - 1
        poolSize = capacity + 1
        hashes = .allocate(capacity: poolSize)
        hashes.initialize(repeating: 0, count: poolSize)
        expiries = .allocate(capacity: poolSize)
        expiries.initialize(repeating: 0, count: poolSize)
        stamps = .allocate(capacity: poolSize)
        stamps.initialize(repeating: 0, count: poolSize)
        keys = .allocate(capacity: poolSize)
        keys.initialize(repeating: nil, count: poolSize)
        keyCounts = .allocate(capacity: poolSize)
        keyCounts.initialize(repeating: 0, count: poolSize)
        keyCapacities = .allocate(capacity: poolSize)
        keyCapacities.initialize(repeating: 0, count: poolSize)
        data = Array(repeating: nil, count: poolSize)
        freeEntries = (0..<Int32(poolSize)).reversed()
    }

    deinit {
        for entry in 0..<poolSize { keys[entry]?.deallocate() }
        for pointer in [UnsafeMutableRawPointer(hashes), UnsafeMutableRawPointer(expiries), UnsafeMutableRawPointer(stamps),
                        UnsafeMutableRawPointer(keys), UnsafeMutableRawPointer(keyCounts), UnsafeMutableRawPointer(keyCapacities),
                        UnsafeMutableRawPointer(table)] {
            pointer.deallocate()
        }
    }

    /// A word at a time: ids are a few dozen bytes, and the table verifies the key anyway.
    @inline(__always)
    static func hash(_ key: UnsafeRawBufferPointer) -> UInt64 {
        var hash: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(truncatingIfNeeded: key.count)
        guard let base = key.baseAddress else { return hash }
        @inline(__always) func mix(_ word: UInt64) {
            hash = (hash ^ word) &* 0xBF58_476D_1CE4_E5B9
            hash ^= hash >> 29
        }
        var index = 0
        while index + 8 <= key.count {
            mix(base.loadUnaligned(fromByteOffset: index, as: UInt64.self))
            index += 8
        }
        if index < key.count {
            var word: UInt64 = 0
            if key.count >= 8 {
                // The last eight bytes, overlapping what was read already.
                word = base.loadUnaligned(fromByteOffset: key.count - 8, as: UInt64.self)
            } else {
                for offset in index..<key.count { word = word << 8 | UInt64(base.load(fromByteOffset: offset, as: UInt8.self)) }
            }
            mix(word)
        }
        hash = (hash ^ (hash >> 32)) &* 0x94D0_49BB_1331_11EB
        return hash ^ (hash >> 29)
    }

    @inline(__always)
    private func keyMatches(_ entry: Int, _ key: UnsafeRawBufferPointer) -> Bool {
        keyCounts[entry] == key.count && (key.isEmpty || memcmp(keys[entry]!, key.baseAddress!, key.count) == 0)
    }

    /// The table slot holding `key`, nil if absent.
    private func find(_ key: UnsafeRawBufferPointer, hash: UInt64) -> Int? {
        var index = Int(truncatingIfNeeded: hash) & mask
        while true {
            let entry = Int(table[index])
            if entry < 0 { return nil }
            if hashes[entry] == hash, keyMatches(entry, key) { return index }
            index = (index + 1) & mask
        }
    }

    /// A key looked up once: its hash, and its table slot while it is present (-1 when not).
    /// Valid until the cache next changes, so one line hashes its id once.
    struct Lookup {
        fileprivate var hash: UInt64 = 0
        fileprivate var slot = -1
    }

    /// The live state for `key` (an expired one is dropped), and where the key is, for a
    /// following `remove(_:)` or `insert(_:_:lookup:now:)`.
    func get(_ key: UnsafeRawBufferPointer, now: Double, lookup: inout Lookup) -> FailureData? {
        let hash = MultiLineCache.hash(key)
        lookup = Lookup(hash: hash)
        guard let slot = find(key, hash: hash) else { return nil }
        let entry = Int(table[slot])
        if expiries[entry] > now {
            lookup.slot = slot
            return data[entry]
        }
        removeSlot(slot)
        return nil
    }

    /// Removes the key a lookup found (nothing if it found none).
    func remove(_ lookup: Lookup) {
        if lookup.slot >= 0 { removeSlot(lookup.slot) }
    }

    /// Stores `state` for a key the lookup did not find, first dropping the oldest entries
    /// of a full cache.
    func insert(_ key: UnsafeRawBufferPointer, _ state: FailureData, lookup: Lookup, now: Double) {
        if count >= capacity { evict(now: now) }
        add(key, state, hash: lookup.hash, now: now)
    }

    /// Adds an absent key.
    private func add(_ key: UnsafeRawBufferPointer, _ state: FailureData, hash: UInt64, now: Double) {
        guard let free = freeEntries.popLast() else { return }
        let entry = Int(free)
        nextStamp += 1
        hashes[entry] = hash
        if keyCapacities[entry] < key.count {
            keys[entry]?.deallocate()
            let capacity = max(64, key.count)
            keys[entry] = .allocate(byteCount: capacity, alignment: 8)
            keyCapacities[entry] = capacity
        }
        if let source = key.baseAddress { keys[entry]!.copyMemory(from: source, byteCount: key.count) }
        keyCounts[entry] = key.count
        expiries[entry] = now + lifetime
        data[entry] = state
        stamps[entry] = nextStamp
        var index = Int(truncatingIfNeeded: hash) & mask
        while table[index] >= 0 { index = (index + 1) & mask }
        table[index] = free
        count += 1
        appendOrder(free, nextStamp)
    }

    /// A dropped state that nothing holds any more, cleared, for a new id.
    func reusableData() -> FailureData? {
        while var state = spare.popLast() {
            if isKnownUniquelyReferenced(&state) {
                state.reset()
                return state
            }
        }
        return nil
    }

    /// Takes back a state that was never stored, for reuse once its line is done.
    func recycle(_ state: FailureData) { keepSpare(state) }

    private func keepSpare(_ state: FailureData) {
        if spare.count < 4 { spare.append(state) }
    }

    private func appendOrder(_ entry: Int32, _ stamp: Int) {
        if head > 64, head * 2 > order.count {
            order.removeFirst(head)
            head = 0
        }
        if order.count - head > 4 * capacity + 64 {
            // Ids forgotten before the cache ever filled leave records nothing consumes.
            order = order[head...].filter { stamps[Int($0.entry)] == $0.stamp }
            head = 0
        }
        order.append((entry, stamp))
    }

    /// Empties a table slot (and frees its entry), shifting later entries of the same probe
    /// run back into the gap, so lookups never stop early at a hole.
    private func removeSlot(_ removed: Int) {
        let entry = Int(table[removed])
        if let state = data[entry] { keepSpare(state) }
        data[entry] = nil
        stamps[entry] = 0
        freeEntries.append(Int32(entry))
        table[removed] = -1
        count -= 1
        var hole = removed
        var index = (removed + 1) & mask
        while table[index] >= 0 {
            let home = Int(truncatingIfNeeded: hashes[Int(table[index])]) & mask
            // The entry may move into the hole unless its home lies cyclically in (hole, index].
            let stays = hole <= index ? (home > hole && home <= index) : (home > hole || home <= index)
            if !stays {
                table[hole] = table[index]
                table[index] = -1
                hole = index
            }
            index = (index + 1) & mask
        }
    }

    /// The table slot pointing at a live entry.
    private func slot(ofEntry entry: Int32) -> Int? {
        var index = Int(truncatingIfNeeded: hashes[Int(entry)]) & mask
        while table[index] >= 0 {
            if table[index] == entry { return index }
            index = (index + 1) & mask
        }
        return nil
    }

    /// Drops the oldest entries until one still alive has made room.
    private func evict(now: Double) {
        while head < order.count {
            let (entry, stamp) = order[head]
            head += 1
            guard stamps[Int(entry)] == stamp, let slot = slot(ofEntry: entry) else { continue }
            let expires = expiries[Int(entry)]
            removeSlot(slot)
            if expires > now, count < capacity { return }
        }
    }
}
