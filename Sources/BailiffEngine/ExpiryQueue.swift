/// Windows ordered by the time of their newest failure (a binary min-heap), so expiry
/// looks only at windows that may have expired.
///
/// An entry may be out of date: its window got newer failures since (the entry is then
/// put back with the new time when it comes up) or was closed (its generation no longer
/// matches). This keeps recording a failure free of queue work.
struct ExpiryQueue: Sendable {
    struct Entry: Sendable {
        var newest: Double
        var record: UInt32
        var generation: UInt32
    }

    private var heap = ChunkedArray<Entry>()

    var count: Int { heap.count }

    var first: Entry? { heap.isEmpty ? nil : heap[0] }

    mutating func insert(_ entry: Entry) {
        heap.append(entry)
        var child = heap.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard heap[child].newest < heap[parent].newest else { break }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    mutating func removeFirst() -> Entry? {
        guard !heap.isEmpty else { return nil }
        let first = heap[0]
        let last = heap.removeLast()
        guard !heap.isEmpty else { return first }
        heap[0] = last
        var parent = 0
        while true {
            let left = 2 * parent + 1
            guard left < heap.count else { break }
            let right = left + 1
            let smaller = right < heap.count && heap[right].newest < heap[left].newest ? right : left
            guard heap[smaller].newest < heap[parent].newest else { break }
            heap.swapAt(smaller, parent)
            parent = smaller
        }
        return first
    }

    mutating func removeAll() { heap.removeAll() }
}
