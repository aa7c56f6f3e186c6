/// The states of open multi-line ids (connections), bounded in number and age as in
/// fail2ban: at most `capacity` entries, each forgotten `lifetime` seconds after it was
/// stored; when full, the oldest entries go first.
struct MultiLineCache {
    let capacity: Int
    let lifetime: Double

    private var entries: [String: (expires: Double, data: FailureData, stamp: Int)] = [:]
    /// Insertion order; entries replaced or removed since leave stale stamps behind.
    private var order: [(key: String, stamp: Int)] = []
    private var head = 0
    private var nextStamp = 0

    init(capacity: Int, lifetime: Double) {
        self.capacity = capacity
        self.lifetime = lifetime
    }

    var count: Int { entries.count }

    /// The live state for `key`; an expired one is dropped.
    mutating func get(_ key: String, now: Double) -> FailureData? {
        guard let entry = entries[key] else { return nil }
        if entry.expires > now { return entry.data }
        entries.removeValue(forKey: key)
        return nil
    }

    mutating func set(_ key: String, _ data: FailureData, now: Double) {
        if entries.count >= capacity { evict(now: now) }
        nextStamp += 1
        entries[key] = (now + lifetime, data, nextStamp)
        order.append((key, nextStamp))
        if head > 256, head * 2 > order.count {
            order.removeFirst(head)
            head = 0
        }
    }

    mutating func remove(_ key: String) { entries.removeValue(forKey: key) }

    /// Drops the oldest entries until one still alive has made room.
    private mutating func evict(now: Double) {
        while head < order.count {
            let (key, stamp) = order[head]
            head += 1
            guard let entry = entries[key], entry.stamp == stamp else { continue }
            entries.removeValue(forKey: key)
            if entry.expires > now, entries.count < capacity { return }
        }
    }
}
