/// The held failures of every window (time, count, evidence handle), packed into a few
/// pools instead of one allocation per id.
///
/// Space comes in blocks of 1, 2, 4, 8… entries (one pool per size), so an id with one
/// failure costs one entry and a window only moves when it doubles. A pool keeps its
/// fields in separate arrays so no entry pays for padding, and grows by fixed-size chunks
/// rather than by doubling one array, so growing never copies the pool or leaves the old
/// copy resident.
struct EntryArena: Sendable {
    private struct Pool: Sendable {
        var times: [[Double]] = []
        var counts: [[UInt32]] = []
        var handles: [[UInt32]] = []
        var freeBlocks: [UInt32] = []
        /// Blocks handed out so far, free ones included.
        var blocks = 0
    }

    private var pools: [Pool] = []

    /// Entries per chunk: 4096 entries are 32 KiB of times, a size malloc serves from its heap.
    private static func chunkEntries(_ sizeClass: UInt8) -> Int { max(4096, capacity(of: sizeClass)) }

    /// The smallest size class holding `entries`.
    static func sizeClass(forEntries entries: Int) -> UInt8 {
        entries <= 1 ? 0 : UInt8(Int.bitWidth - (entries - 1).leadingZeroBitCount)
    }

    static func capacity(of sizeClass: UInt8) -> Int { 1 << Int(sizeClass) }

    /// A block of the size class.
    mutating func allocate(_ sizeClass: UInt8) -> UInt32 {
        let pool = Int(sizeClass)
        while pools.count <= pool { pools.append(Pool()) }
        if let block = pools[pool].freeBlocks.popLast() { return block }
        let capacity = EntryArena.capacity(of: sizeClass)
        let perChunk = EntryArena.chunkEntries(sizeClass)
        let block = pools[pool].blocks
        if block * capacity % perChunk == 0 {
            pools[pool].times.append(EntryArena.chunk(of: Double.self, perChunk))
            pools[pool].counts.append(EntryArena.chunk(of: UInt32.self, perChunk))
            pools[pool].handles.append(EntryArena.chunk(of: UInt32.self, perChunk))
        }
        let last = pools[pool].times.count - 1
        pools[pool].times[last].append(contentsOf: repeatElement(0, count: capacity))
        pools[pool].counts[last].append(contentsOf: repeatElement(0, count: capacity))
        pools[pool].handles[last].append(contentsOf: repeatElement(0, count: capacity))
        pools[pool].blocks += 1
        return UInt32(block)
    }

    mutating func release(_ sizeClass: UInt8, block: UInt32) {
        pools[Int(sizeClass)].freeBlocks.append(block)
    }

    /// Appends the first `count` entries of a block to `entries`.
    func read(_ sizeClass: UInt8, block: UInt32, count: Int, into entries: inout [HeldEntry]) {
        let (chunk, start) = EntryArena.place(sizeClass, block: block)
        let pool = Int(sizeClass)
        for slot in start..<(start + count) {
            entries.append(HeldEntry(
                time: pools[pool].times[chunk][slot], count: Int(pools[pool].counts[chunk][slot]),
                handle: pools[pool].handles[chunk][slot]))
        }
    }

    /// Stores `entries` at the start of a block with room for them.
    mutating func write(_ entries: [HeldEntry], _ sizeClass: UInt8, block: UInt32) {
        let (chunk, start) = EntryArena.place(sizeClass, block: block)
        let pool = Int(sizeClass)
        for (offset, entry) in entries.enumerated() {
            pools[pool].times[chunk][start + offset] = entry.time
            pools[pool].counts[chunk][start + offset] = UInt32(clamping: entry.count)
            pools[pool].handles[chunk][start + offset] = entry.handle
        }
    }

    /// How many failures the entry at `offset` in a block counts for.
    func count(_ sizeClass: UInt8, block: UInt32, offset: Int) -> Int {
        let (chunk, start) = EntryArena.place(sizeClass, block: block)
        return Int(pools[Int(sizeClass)].counts[chunk][start + offset])
    }

    /// The evidence handle of the entry at `offset` in a block.
    func handle(_ sizeClass: UInt8, block: UInt32, offset: Int) -> UInt32 {
        let (chunk, start) = EntryArena.place(sizeClass, block: block)
        return pools[Int(sizeClass)].handles[chunk][start + offset]
    }

    /// The time of the entry at `offset` in a block.
    func time(_ sizeClass: UInt8, block: UInt32, offset: Int) -> Double {
        let (chunk, start) = EntryArena.place(sizeClass, block: block)
        return pools[Int(sizeClass)].times[chunk][start + offset]
    }

    /// The chunk of a block and where the block starts in it.
    private static func place(_ sizeClass: UInt8, block: UInt32) -> (chunk: Int, start: Int) {
        let first = Int(block) << Int(sizeClass)
        let perChunk = chunkEntries(sizeClass)
        return (first / perChunk, first % perChunk)
    }

    private static func chunk<Element>(of type: Element.Type, _ entries: Int) -> [Element] {
        var chunk: [Element] = []
        chunk.reserveCapacity(entries)
        return chunk
    }
}
