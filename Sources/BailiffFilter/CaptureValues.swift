import Glibc

/// The captures of a failure: a value per slot and, for a multi-line id, the distinct users
/// seen on it, all kept as bytes in one buffer. Storing a line's captures copies bytes and
/// creates no Strings; they are made only when someone reads them. A value is nil (the
/// group never took part) or a byte string, possibly empty.
///
/// A value type (copy on write): a failure keeps a snapshot while the connection's state
/// goes on changing. Mutating a uniquely held value allocates nothing once its storage has
/// grown to the connection's needs.
struct CaptureValues: @unchecked Sendable {
    private final class Storage {
        let slotCount: Int
        /// Start and end of each slot's value in `bytes`; a negative start means nil.
        let bounds: UnsafeMutablePointer<Int32>
        var bytes: UnsafeMutablePointer<UInt8>
        var byteCount = 0
        var byteCapacity: Int
        /// Start and end in `bytes` of each user.
        var users: UnsafeMutablePointer<Int32>
        var userCount = 0
        var userCapacity: Int

        init(slotCount: Int, byteCapacity: Int = 128, userCapacity: Int = 2) {
            self.slotCount = slotCount
            bounds = .allocate(capacity: max(2 * slotCount, 1))
            bounds.initialize(repeating: -1, count: max(2 * slotCount, 1))
            self.byteCapacity = max(byteCapacity, 16)
            bytes = .allocate(capacity: self.byteCapacity)
            self.userCapacity = max(userCapacity, 2)
            users = .allocate(capacity: 2 * self.userCapacity)
        }

        deinit {
            bounds.deallocate()
            bytes.deallocate()
            users.deallocate()
        }

        func copy() -> Storage {
            let copy = Storage(slotCount: slotCount, byteCapacity: byteCapacity, userCapacity: userCapacity)
            copy.bounds.update(from: bounds, count: 2 * slotCount)
            copy.bytes.update(from: bytes, count: byteCount)
            copy.byteCount = byteCount
            copy.users.update(from: users, count: 2 * userCount)
            copy.userCount = userCount
            return copy
        }

        @inline(__always)
        func slice(_ start: Int32, _ end: Int32) -> UnsafeRawBufferPointer {
            UnsafeRawBufferPointer(start: bytes + Int(start), count: Int(end - start))
        }

        /// Appends bytes, first dropping those of overwritten values if they dominate.
        func append(_ source: UnsafeRawBufferPointer) -> (start: Int32, end: Int32) {
            if byteCount + source.count > byteCapacity {
                if byteCount > 1024, liveCount * 2 < byteCount { compact() }
                if byteCount + source.count > byteCapacity { grow(to: byteCount + source.count) }
            }
            let start = byteCount
            if let base = source.baseAddress {
                let target = UnsafeMutableRawPointer(bytes + start)
                let count = source.count
                // Captures are short: two overlapping words beat calling memcpy.
                if count >= 8 && count <= 16 {
                    target.storeBytes(of: base.loadUnaligned(as: UInt64.self), as: UInt64.self)
                    (target + count - 8).storeBytes(of: base.loadUnaligned(fromByteOffset: count - 8, as: UInt64.self), as: UInt64.self)
                } else if count < 8 {
                    for index in 0..<count { target.storeBytes(of: base.load(fromByteOffset: index, as: UInt8.self), toByteOffset: index, as: UInt8.self) }
                } else {
                    memcpy(target, base, count)
                }
            }
            byteCount += source.count
            return (Int32(truncatingIfNeeded: start), Int32(truncatingIfNeeded: byteCount))
        }

        private func grow(to needed: Int) {
            var capacity = byteCapacity * 2
            while capacity < needed { capacity *= 2 }
            let grown = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity)
            grown.update(from: bytes, count: byteCount)
            bytes.deallocate()
            bytes = grown
            byteCapacity = capacity
        }

        private var liveCount: Int {
            var total = 0
            for index in 0..<slotCount where bounds[2 * index] >= 0 { total += Int(bounds[2 * index + 1] - bounds[2 * index]) }
            for index in 0..<userCount { total += Int(users[2 * index + 1] - users[2 * index]) }
            return total
        }

        private func compact() {
            let packed = UnsafeMutablePointer<UInt8>.allocate(capacity: byteCapacity)
            var count = 0
            func move(_ pair: UnsafeMutablePointer<Int32>) {
                let length = Int(pair[1] - pair[0])
                (packed + count).update(from: bytes + Int(pair[0]), count: length)
                pair[0] = Int32(truncatingIfNeeded: count)
                count += length
                pair[1] = Int32(truncatingIfNeeded: count)
            }
            for index in 0..<slotCount where bounds[2 * index] >= 0 { move(bounds + 2 * index) }
            for index in 0..<userCount { move(users + 2 * index) }
            bytes.deallocate()
            bytes = packed
            byteCount = count
        }

        func hasUser(_ user: UnsafeRawBufferPointer) -> Bool {
            for index in 0..<userCount where CaptureValues.sameText(slice(users[2 * index], users[2 * index + 1]), user) {
                return true
            }
            return false
        }

        func addUser(_ range: (start: Int32, end: Int32)) {
            if userCount == userCapacity {
                let grown = UnsafeMutablePointer<Int32>.allocate(capacity: 4 * userCapacity)
                grown.update(from: users, count: 2 * userCount)
                users.deallocate()
                users = grown
                userCapacity *= 2
            }
            users[2 * userCount] = range.start
            users[2 * userCount + 1] = range.end
            userCount += 1
        }
    }

    private var storage: Storage

    init(count: Int) {
        storage = Storage(slotCount: count)
    }

    var count: Int { storage.slotCount }

    @inline(__always)
    private mutating func unique() -> Storage {
        if !isKnownUniquelyReferenced(&storage) { storage = storage.copy() }
        return storage
    }

    /// Whether the slot holds a value (possibly empty).
    @inline(__always)
    func has(_ slot: Int) -> Bool { storage.bounds[2 * slot] >= 0 }

    /// Set and non-empty: what fail2ban's truth test on a captured value means.
    @inline(__always)
    func isSet(_ slot: Int) -> Bool {
        let start = storage.bounds[2 * slot]
        return start >= 0 && storage.bounds[2 * slot + 1] > start
    }

    mutating func set(_ slot: Int, _ bytes: UnsafeRawBufferPointer) {
        let storage = unique()
        let (start, end) = storage.append(bytes)
        storage.bounds[2 * slot] = start
        storage.bounds[2 * slot + 1] = end
    }

    /// Writes a line's captures (`ranges` into `line`) over the values; slots the line did
    /// not capture keep theirs. Markers store "1": only their presence matters.
    mutating func store(_ ranges: CaptureRanges, of line: UnsafeRawBufferPointer) {
        let storage = unique()
        let marker: UInt8 = 0x31
        let slotCount = storage.slotCount
        // Only the slots the line set can hold a range; they come in increasing order.
        ranges.forEachTouchedSlot { slot in
            guard slot < slotCount, slot != CaptureSlots.mlfid, slot != CaptureSlots.content, let range = ranges.range(slot) else { return }
            let (start, end) = CaptureSlots.flagSlots.contains(slot)
                ? withUnsafeBytes(of: marker) { storage.append($0) }
                : storage.append(UnsafeRawBufferPointer(rebasing: line[range]))
            storage.bounds[2 * slot] = start
            storage.bounds[2 * slot + 1] = end
        }
    }

    mutating func set(_ slot: Int, byte: UInt8) {
        withUnsafeBytes(of: byte) { set(slot, $0) }
    }

    @inline(__always)
    mutating func remove(_ slot: Int) {
        guard has(slot) else { return }
        unique().bounds[2 * slot] = -1
    }

    /// Back to no values and no users, keeping the storage.
    mutating func removeAll() {
        if !isKnownUniquelyReferenced(&storage) {
            storage = Storage(slotCount: storage.slotCount, byteCapacity: storage.byteCapacity, userCapacity: storage.userCapacity)
            return
        }
        storage.bounds.update(repeating: -1, count: 2 * storage.slotCount)
        storage.byteCount = 0
        storage.userCount = 0
    }

    /// The bytes of a slot's value, valid until the next change.
    func withBytes<Result>(_ slot: Int, _ body: (UnsafeRawBufferPointer) -> Result) -> Result? {
        let start = storage.bounds[2 * slot]
        guard start >= 0 else { return nil }
        return body(storage.slice(start, storage.bounds[2 * slot + 1]))
    }

    func string(_ slot: Int) -> String? {
        withBytes(slot) { String(decoding: $0, as: UTF8.self) }
    }

    /// Whether two slots hold equal text (as Strings compare: canonically equivalent).
    func sameText(_ slot: Int, _ other: Int) -> Bool {
        guard let first = withBytes(slot, { $0 }), let second = withBytes(other, { $0 }) else { return has(slot) == has(other) }
        return CaptureValues.sameText(first, second)
    }

    fileprivate static func sameText(_ first: UnsafeRawBufferPointer, _ second: UnsafeRawBufferPointer) -> Bool {
        if first.count == second.count, first.count == 0 || memcmp(first.baseAddress!, second.baseAddress!, first.count) == 0 {
            return true
        }
        if UTF8Repair.isASCII(first) && UTF8Repair.isASCII(second) { return false }
        return String(decoding: first, as: UTF8.self) == String(decoding: second, as: UTF8.self)
    }

    // MARK: users

    var userCount: Int { storage.userCount }

    /// Records a user on this multi-line id unless it is empty or already there (equal as
    /// Strings are: a set of Strings would count them once).
    mutating func addUser(_ user: UnsafeRawBufferPointer) {
        guard !user.isEmpty, !storage.hasUser(user) else { return }
        let storage = unique()
        storage.addUser(storage.append(user))
    }

    var users: Set<String> {
        var result = Set<String>(minimumCapacity: storage.userCount)
        for index in 0..<storage.userCount {
            result.insert(String(decoding: storage.slice(storage.users[2 * index], storage.users[2 * index + 1]), as: UTF8.self))
        }
        return result
    }
}
