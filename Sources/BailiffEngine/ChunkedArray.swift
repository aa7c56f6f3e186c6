/// An array that grows by fixed-size chunks instead of doubling.
///
/// A doubling array that holds a hundred thousand windows' worth of data copies all of it
/// into a buffer twice as large each time it fills, so for a moment both copies are
/// resident, and the freed one stays counted in the heap. Chunks are never copied: memory
/// follows what is held.
struct ChunkedArray<Element> {
    private var chunks: [[Element]] = []
    private(set) var count = 0

    /// 4096 elements a chunk: small enough to waste little, large enough that the chunk
    /// table stays short.
    private static var shift: Int { 12 }
    private static var chunkCapacity: Int { 1 << shift }
    private static var mask: Int { chunkCapacity - 1 }

    init() {}

    var isEmpty: Bool { count == 0 }

    subscript(index: Int) -> Element {
        get { chunks[index >> Self.shift][index & Self.mask] }
        set { chunks[index >> Self.shift][index & Self.mask] = newValue }
    }

    mutating func append(_ element: Element) {
        if count & Self.mask == 0 {
            var chunk: [Element] = []
            chunk.reserveCapacity(Self.chunkCapacity)
            chunks.append(chunk)
        }
        chunks[count >> Self.shift].append(element)
        count += 1
    }

    mutating func removeLast() -> Element {
        count -= 1
        let last = chunks[count >> Self.shift].removeLast()
        if count & Self.mask == 0 { chunks.removeLast() }
        return last
    }

    mutating func swapAt(_ first: Int, _ second: Int) {
        let kept = self[first]
        self[first] = self[second]
        self[second] = kept
    }

    mutating func removeAll() {
        chunks.removeAll()
        count = 0
    }
}

extension ChunkedArray: Sendable where Element: Sendable {}
