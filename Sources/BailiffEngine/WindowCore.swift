/// What counting one failure did to the windows.
enum WindowOutcome: Sendable {
    /// Counted. The failure is held under `handle`, or nil when it is too old to matter.
    case counted(handle: UInt32?)
    /// The window reached `maxretry` and was closed.
    case decided(WindowDecision)
}

/// A closed window: the failures of the deciding run, by handle, in time order.
struct WindowDecision: Sendable {
    /// Stands for the failure being counted, which never got a handle.
    static let newFailure = UInt32.max

    var failures: Int
    var firstTime: Double
    var lastTime: Double
    var handles: [UInt32]
}

/// The windows of `FailureWindows` without the evidence. Not generic, so callers in other
/// modules run it at full speed; evidence is only ever referred to by handle.
struct WindowCore: Sendable {
    private(set) var maxretry: Int
    private(set) var findtime: Double

    private var index = WindowIndex()
    private var records = ChunkedArray<WindowRecord>()
    private var freeRecords: [UInt32] = []
    private var arena = EntryArena()
    private var expiry = ExpiryQueue()
    private var freeHandles: [UInt32] = []
    private var handlesIssued: UInt32 = 0
    /// Working copy of one window; kept to reuse its storage.
    private var scratch: [HeldEntry] = []

    private(set) var failuresHeld = 0

    var idsTracked: Int { index.count }

    init(maxretry: Int, findtime: Double) throws(WindowParameterError) {
        try WindowParameterError.check(findtime: findtime)
        self.maxretry = WindowCore.effective(maxretry)
        self.findtime = findtime
    }

    mutating func changeParameters(maxretry: Int, findtime: Double) throws(WindowParameterError) {
        try WindowParameterError.check(findtime: findtime)
        self.maxretry = WindowCore.effective(maxretry)
        self.findtime = findtime
    }

    /// Counts a failure; `time` must be finite.
    mutating func record(id: String, time: Double, attempts: Int) -> WindowOutcome {
        let counted = HeldEntry(time: time, count: max(1, min(attempts, Int(UInt32.max))), handle: WindowDecision.newFailure)
        scratch.removeAll(keepingCapacity: true)
        let existing = index.find(id, in: records)
        var heldBefore = 0
        if let existing {
            let record = records[Int(existing)]
            arena.read(record.sizeClass, block: record.block, count: Int(record.held), into: &scratch)
            heldBefore = scratch.reduce(0) { $0 + $1.count }
        }
        // Usually the newest, so search from the end; equal times stay in arrival order.
        var position = scratch.count
        while position > 0, scratch[position - 1].time > time { position -= 1 }
        scratch.insert(counted, at: position)

        if let run = firstDecidingRun() {
            if let existing { close(existing) }
            failuresHeld -= heldBefore
            return .decided(WindowDecision(
                failures: scratch[run].reduce(0) { $0 + $1.count },
                firstTime: scratch[run.lowerBound].time, lastTime: scratch[run.upperBound - 1].time,
                handles: scratch[run].map(\.handle)))
        }
        keepNewest(maxretry - 1)
        failuresHeld += scratch.reduce(0) { $0 + $1.count } - heldBefore
        var handle: UInt32?
        if let kept = scratch.firstIndex(where: { $0.handle == WindowDecision.newFailure }) {
            handle = freeHandles.popLast() ?? issueHandle()
            scratch[kept].handle = handle!
        }
        if let existing {
            store(into: existing)
        } else {
            open(id: id)
        }
        return .counted(handle: handle)
    }

    /// See `FailureWindows.purgeExpired(now:)`.
    mutating func purgeExpired(now: Double) -> Int {
        let cutoff = now - findtime
        var closed = 0
        while let first = expiry.first, first.newest < cutoff {
            _ = expiry.removeFirst()
            let record = records[Int(first.record)]
            guard record.generation == first.generation, record.held > 0 else { continue }
            let newest = arena.time(record.sizeClass, block: record.block, offset: Int(record.held) - 1)
            if newest < cutoff {
                failuresHeld -= heldCount(of: record)
                close(first.record)
                closed += 1
            } else {
                expiry.insert(.init(newest: newest, record: first.record, generation: record.generation))
            }
        }
        return closed
    }

    mutating func forget(id: String) -> Bool {
        guard let record = index.find(id, in: records) else { return false }
        failuresHeld -= heldCount(of: records[Int(record)])
        close(record)
        return true
    }

    /// The entries held for `id`, in time order.
    func held(of id: String) -> [HeldEntry] {
        guard let number = index.find(id, in: records) else { return [] }
        let record = records[Int(number)]
        var entries: [HeldEntry] = []
        arena.read(record.sizeClass, block: record.block, count: Int(record.held), into: &entries)
        return entries
    }

    // MARK: - Window bookkeeping

    private static func effective(_ maxretry: Int) -> Int { max(1, min(maxretry, Int(UInt32.max))) }

    /// The earliest run of neighbouring failures in `scratch` that counts `maxretry` within
    /// `findtime`, with the later failures inside that findtime.
    private func firstDecidingRun() -> Range<Int>? {
        var end = 0
        var sum = 0
        for start in scratch.indices {
            while end < scratch.count, sum < maxretry {
                sum += scratch[end].count
                end += 1
            }
            guard sum >= maxretry else { return nil }
            // The shortest run from `start`; a longer one spans more time.
            if scratch[end - 1].time - scratch[start].time <= findtime {
                // Report the neighbours that are inside the same findtime too.
                while end < scratch.count, scratch[end].time - scratch[start].time <= findtime { end += 1 }
                return start..<end
            }
            sum -= scratch[start].count
        }
        return nil
    }

    /// Trims `scratch` to its newest `limit` counted failures, freeing the handles of the
    /// failures dropped.
    private mutating func keepNewest(_ limit: Int) {
        var budget = limit
        var first = scratch.count
        while first > 0, budget > 0 {
            first -= 1
            if scratch[first].count > budget { scratch[first].count = budget }
            budget -= scratch[first].count
        }
        for dropped in scratch[..<first] where dropped.handle != WindowDecision.newFailure {
            freeHandles.append(dropped.handle)
        }
        scratch.removeFirst(first)
    }

    private mutating func issueHandle() -> UInt32 {
        handlesIssued += 1
        return handlesIssued - 1
    }

    private func heldCount(of record: WindowRecord) -> Int {
        (0..<Int(record.held)).reduce(0) { $0 + arena.count(record.sizeClass, block: record.block, offset: $1) }
    }

    /// Starts a window holding `scratch`.
    private mutating func open(id: String) {
        let sizeClass = EntryArena.sizeClass(forEntries: scratch.count)
        let block = arena.allocate(sizeClass)
        let number: UInt32
        if let free = freeRecords.popLast() {
            number = free
            records[Int(number)].id = id
            records[Int(number)].block = block
            records[Int(number)].sizeClass = sizeClass
        } else {
            number = UInt32(records.count)
            records.append(WindowRecord(id: id, block: block, held: 0, generation: 0, sizeClass: sizeClass))
        }
        index.insert(number, in: records)
        store(into: number)
        expiry.insert(.init(newest: scratch[scratch.count - 1].time, record: number, generation: records[Int(number)].generation))
    }

    /// Writes `scratch` back as the window of a record, moving it to a larger block if needed.
    private mutating func store(into number: UInt32) {
        var record = records[Int(number)]
        if scratch.count > EntryArena.capacity(of: record.sizeClass) {
            arena.release(record.sizeClass, block: record.block)
            record.sizeClass = EntryArena.sizeClass(forEntries: scratch.count)
            record.block = arena.allocate(record.sizeClass)
        }
        arena.write(scratch, record.sizeClass, block: record.block)
        record.held = UInt32(scratch.count)
        records[Int(number)] = record
    }

    /// Ends the window of a record and frees its space and handles; the queue entry goes stale.
    private mutating func close(_ number: UInt32) {
        let record = records[Int(number)]
        for offset in 0..<Int(record.held) {
            freeHandles.append(arena.handle(record.sizeClass, block: record.block, offset: offset))
        }
        index.remove(record.id, in: records)
        arena.release(record.sizeClass, block: record.block)
        records[Int(number)].id = ""
        records[Int(number)].held = 0
        records[Int(number)].generation &+= 1
        freeRecords.append(number)
    }
}
