import BailiffNetwork
/// Networks kept as sorted, disjoint address ranges, so a lookup is one binary search.
///
/// Two prefix networks are always either disjoint or nested, so dropping every network
/// that lies inside another leaves disjoint ranges; the outer network answers for the
/// addresses of the inner ones.
struct AddressRangeTable<Tag: Sendable>: Sendable {
    private var firsts: [IPAddress] = []
    private var lasts: [IPAddress] = []
    private var tags: [Tag] = []

    init(_ networks: [(network: IPNetwork, tag: Tag)]) {
        // Outer networks first among those starting at the same address.
        let sorted = networks.enumerated().sorted { left, right in
            let (a, b) = (left.element.network, right.element.network)
            if a.address != b.address { return a.address < b.address }
            if a.prefixLength != b.prefixLength { return a.prefixLength < b.prefixLength }
            return left.offset < right.offset
        }
        for (_, entry) in sorted {
            if let last = lasts.last, entry.network.address.family == last.family, entry.network.address <= last {
                continue
            }
            firsts.append(entry.network.address)
            lasts.append(entry.network.lastAddress)
            tags.append(entry.tag)
        }
    }

    var isEmpty: Bool { firsts.isEmpty }
    var count: Int { firsts.count }

    /// The tag of the range holding `address`, if any.
    func tag(containing address: IPAddress) -> Tag? {
        // The last range starting at or before the address is the only candidate.
        var low = 0
        var high = firsts.count
        while low < high {
            let middle = (low + high) / 2
            if firsts[middle] <= address { low = middle + 1 } else { high = middle }
        }
        guard low > 0, address <= lasts[low - 1] else { return nil }
        return tags[low - 1]
    }
}
