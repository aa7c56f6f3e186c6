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

    func slot(for name: String) -> Int {
        if let existing = index[name] { return existing }
        names.append(name)
        index[name] = names.count - 1
        return names.count - 1
    }
}

/// Where one regex's groups land among the slots.
struct GroupMap {
    var pairs: [(slot: Int, group: Int)] = []
    /// `alt_NAME` slots that fill `NAME` when it is empty.
    var alternates: [(from: Int, to: Int)] = []

    init(groups: [(name: String, number: Int)], alternates: [(group: String, target: String)], slots: CaptureSlots) {
        for (name, number) in groups where !name.hasPrefix("skiplines") {
            pairs.append((slots.slot(for: name), number))
        }
        for (group, target) in alternates {
            self.alternates.append((slots.slot(for: group), slots.slot(for: target)))
        }
    }

    /// Records the groups that took part in the match, shifted by `offset` (where the
    /// matched subject starts in the line buffer); a group that did not take part leaves
    /// the slot alone, so an address the prefregex captured survives a failregex whose
    /// own address group was not used.
    func read(_ scratch: MatchScratch, offset: Int, into ranges: CaptureRanges) {
        for (slot, group) in pairs {
            guard let range = scratch.range(ofGroup: group) else { continue }
            if CaptureSlots.flagSlots.contains(slot), range.isEmpty {
                ranges.unset(slot)
            } else {
                ranges.set(slot, (range.lowerBound + offset)..<(range.upperBound + offset))
            }
        }
        for (from, to) in alternates where ranges.isSet(from) && !ranges.isSet(to) {
            ranges.set(to, ranges.range(from)!)
        }
    }
}
