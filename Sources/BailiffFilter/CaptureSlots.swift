/// The capture names of one filter mapped to small integers, so the values of a match
/// live in an array instead of a dictionary (no hashing per line).
final class CaptureSlots: @unchecked Sendable {
    static let ip4 = 0, ip6 = 1, dns = 2, fid = 3, cidr = 4, mlfid = 5, user = 6, content = 7
    static let nofail = 8, mlfforget = 9, mlfgained = 10
    static let fixedNames = ["ip4", "ip6", "dns", "fid", "cidr", "mlfid", "user", "content", "nofail", "mlfforget", "mlfgained"]
    /// Markers whose text does not matter, only whether it is non-empty.
    static let flagSlots = nofail...mlfgained
    /// Slots that are engine bookkeeping, not captures to report.
    static let internalSlots: Set<Int> = [mlfid, content, nofail, mlfforget, mlfgained]

    private(set) var names: [String] = CaptureSlots.fixedNames
    private var index: [String: Int] = Dictionary(uniqueKeysWithValues: CaptureSlots.fixedNames.enumerated().map { ($1, $0) })

    var count: Int { names.count }

    func contains(_ name: String) -> Bool { index[name] != nil }

    func slot(for name: String) -> Int {
        if let existing = index[name] { return existing }
        names.append(name)
        index[name] = names.count - 1
        return names.count - 1
    }
}

/// Where the groups of one or more regexes land among the slots (map `index` is the
/// `index`-th regex given). Read once per matched line, so kept in plain memory: using it
/// costs no reference counting.
final class GroupMap {
    /// Per map: (slot, group) pairs, then (from, to) slot pairs of the `alt_NAME` captures
    /// that fill `NAME` when it is empty.
    private let pairs: UnsafeMutablePointer<Int32>
    /// Per map: where its pairs start, how many groups, how many alternates.
    private let layout: UnsafeMutablePointer<Int>
    let count: Int

    convenience init(groups: [(name: String, number: Int)], alternates: [(group: String, target: String)], slots: CaptureSlots) {
        self.init(maps: [(groups, alternates)], slots: slots)
    }

    init(maps: [(groups: [(name: String, number: Int)], alternates: [(group: String, target: String)])], slots: CaptureSlots) {
        var flat: [Int32] = []
        var layout: [Int] = []
        for (groups, alternates) in maps {
            let start = flat.count / 2
            // A group past the match data's pairs never reads as taking part: leave it out,
            // so reading a group needs no range check.
            for (name, number) in groups where !name.hasPrefix("skiplines") && number >= 0 && number < Int(MatchScratch.maxPairs) {
                flat += [Int32(slots.slot(for: name)), Int32(number)]
            }
            let groupCount = flat.count / 2 - start
            for (group, target) in alternates {
                flat += [Int32(slots.slot(for: group)), Int32(slots.slot(for: target))]
            }
            layout += [start, groupCount, flat.count / 2 - start - groupCount]
        }
        count = maps.count
        pairs = .allocate(capacity: max(flat.count, 1))
        pairs.initialize(from: flat, count: flat.count)
        self.layout = .allocate(capacity: max(layout.count, 1))
        self.layout.initialize(from: layout, count: layout.count)
    }

    deinit {
        pairs.deallocate()
        layout.deallocate()
    }

    /// Records the groups of map `index` that took part in the match, shifted by `offset`
    /// (where the matched subject starts in the line buffer); a group that did not take
    /// part leaves the slot alone, so an address the prefregex captured survives a
    /// failregex whose own address group was not used.
    func read(_ scratch: MatchScratch, offset: Int, into ranges: CaptureRanges, map index: Int = 0) {
        let start = layout[3 * index], groupCount = layout[3 * index + 1], alternateCount = layout[3 * index + 2]
        for pair in start..<(start + groupCount) {
            let slot = Int(pairs[2 * pair])
            guard let range = scratch.range(ofPairedGroup: Int(pairs[2 * pair + 1])) else { continue }
            if CaptureSlots.flagSlots.contains(slot), range.isEmpty {
                ranges.unset(slot)
            } else {
                // Both bounds lie in the line buffer, so they neither overflow nor cross.
                ranges.set(slot, Range(uncheckedBounds: (range.lowerBound &+ offset, range.upperBound &+ offset)))
            }
        }
        for pair in (start + groupCount)..<(start + groupCount + alternateCount) {
            let from = Int(pairs[2 * pair]), to = Int(pairs[2 * pair + 1])
            if ranges.isSet(from) && !ranges.isSet(to) { ranges.set(to, ranges.range(from)!) }
        }
    }
}
