import Glibc

/// All of a filter's failregexes as one PCRE2 alternation, so a line costs one match
/// call instead of one per regex. Used only when every regex is anchored at the start:
/// then the alternation tries them in order at the same position and picks the same
/// regex, with the same captures, as trying them one by one would.
final class CombinedRegex {
    let pattern: Pattern
    /// For each alternative, in order: the failregex it stands for, the group marking it,
    /// and where its groups land among the capture slots.
    let indices: [Int]
    let markers: [Int]
    /// Map `i` is alternative `i`'s.
    let maps: GroupMap
    let code: MatchCode
    /// The groups of each alternative under their own names, for inspection.
    let groups: [[(name: String, number: Int)]]

    /// - Parameter indices: which of `regexes` to combine, in order (all when nil).
    /// - Parameter existingSlotsOnly: fail rather than add capture names to `slots` (whose
    ///   size the caller has already relied on).
    init?(_ regexes: [FilterRegex], indices: [Int]? = nil, slots: CaptureSlots? = nil, existingSlotsOnly: Bool = false) {
        let indices = indices ?? Array(regexes.indices)
        guard indices.count > 1, indices.allSatisfy({ regexes[$0].pattern.isAnchored }) else { return nil }
        var branches: [String] = []
        for (position, index) in indices.enumerated() {
            guard let renamed = CombinedRegex.renameGroups(regexes[index].pattern.source, suffix: "__\(position)") else { return nil }
            branches.append("(?<bailiff__alt\(position)>)(?:" + renamed + ")")
        }
        // Every branch is anchored; say so up front, or PCRE2 retries each start position.
        guard let combined = try? Pattern(pcre2: "\\A(?:" + branches.joined(separator: "|") + ")") else { return nil }
        pattern = combined
        code = combined.matchCode
        var markers = [Int](repeating: -1, count: indices.count)
        var groups: [[(name: String, number: Int)]] = Array(repeating: [], count: indices.count)
        for (name, number) in combined.namedGroups {
            if name.hasPrefix("bailiff__alt"), let position = Int(name.dropFirst(12)), position < markers.count {
                markers[position] = number
            } else if let (original, position) = CombinedRegex.splitSuffix(name), position < groups.count {
                groups[position].append((original, number))
            }
        }
        guard !markers.contains(-1) else { return nil }
        self.indices = indices
        self.markers = markers
        self.groups = groups
        let slots = slots ?? CaptureSlots()
        if existingSlotsOnly {
            for (position, index) in indices.enumerated() {
                let names = groups[position].map(\.name) + regexes[index].alternates.flatMap { [$0.group, $0.target] }
                guard names.allSatisfy({ $0.hasPrefix("skiplines") || slots.contains($0) }) else { return nil }
            }
        }
        maps = GroupMap(maps: indices.enumerated().map { position, index in (groups[position], regexes[index].alternates) }, slots: slots)
    }

    /// `user__3` → ("user", 3).
    static func splitSuffix(_ name: String) -> (String, Int)? {
        let characters = Array(name)
        var cut = characters.count
        while cut > 0, characters[cut - 1].isNumber { cut -= 1 }
        guard cut >= 2, cut < characters.count, characters[cut - 1] == "_", characters[cut - 2] == "_",
              let index = Int(String(characters[cut...])) else { return nil }
        return (String(characters[..<(cut - 2)]), index)
    }

    /// The position of the alternative that matched in the last successful match.
    func matchedAlternative(_ scratch: MatchScratch) -> Int? {
        for (position, marker) in markers.enumerated() where scratch.range(ofGroup: marker) != nil { return position }
        return nil
    }

    /// After a successful match: the failregex that matched, with its captures recorded;
    /// nil if no alternative's marker took part.
    func readMatch(_ scratch: MatchScratch, offset: Int, into ranges: CaptureRanges) -> Int? {
        guard let position = matchedAlternative(scratch) else { return nil }
        maps.read(scratch, offset: offset, into: ranges, map: position)
        return indices[position]
    }

    /// Appends `suffix` to every group name and named reference; nil when the pattern uses
    /// numbered references, which would shift in the alternation.
    static func renameGroups(_ source: String, suffix: String) -> String? {
        let bytes = Array(source.utf8)
        let suffixBytes = Array(suffix.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + bytes.count / 4)
        var index = 0
        var inClass = false
        let backslash = UInt8(ascii: "\\"), open = UInt8(ascii: "("), question = UInt8(ascii: "?")
        func isNameByte(_ byte: UInt8) -> Bool {
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || byte == 0x5F
        }
        func byte(at offset: Int) -> UInt8? { index + offset < bytes.count ? bytes[index + offset] : nil }
        func copy(_ count: Int) {
            out.append(contentsOf: bytes[index..<index + count])
            index += count
        }
        func copyName() {
            while index < bytes.count, isNameByte(bytes[index]) { out.append(bytes[index]); index += 1 }
            out.append(contentsOf: suffixBytes)
        }
        while index < bytes.count {
            let current = bytes[index]
            if current == backslash, index + 1 < bytes.count {
                let next = bytes[index + 1]
                if !inClass, next >= UInt8(ascii: "1"), next <= UInt8(ascii: "9") { return nil }
                if !inClass, next == UInt8(ascii: "g") || next == UInt8(ascii: "k") { return nil }
                copy(2)
                continue
            }
            if inClass {
                if current == UInt8(ascii: "]") { inClass = false }
                copy(1)
                continue
            }
            if current == UInt8(ascii: "[") {
                inClass = true
                copy(1)
                if byte(at: 0) == UInt8(ascii: "^") { copy(1) }
                if byte(at: 0) == UInt8(ascii: "]") { copy(1) }
                continue
            }
            guard current == open, byte(at: 1) == question, let third = byte(at: 2) else {
                copy(1)
                continue
            }
            // "(?P<", "(?P=", "(?P>" and "(?&" name a group.
            if third == UInt8(ascii: "P"), let fourth = byte(at: 3),
               fourth == UInt8(ascii: "<") || fourth == UInt8(ascii: "=") || fourth == UInt8(ascii: ">") {
                copy(4)
                copyName()
                continue
            }
            if third == UInt8(ascii: "&") {
                copy(3)
                copyName()
                continue
            }
            if third == UInt8(ascii: "<"), let fourth = byte(at: 3), isNameByte(fourth) {
                copy(3)
                copyName()
                continue
            }
            if third == open {
                copy(3)
                guard index < bytes.count else { return nil }
                let first = bytes[index]
                if first >= UInt8(ascii: "0"), first <= UInt8(ascii: "9") { return nil }
                if first == UInt8(ascii: "<") || first == UInt8(ascii: "'") { copy(1); copyName(); continue }
                if first == UInt8(ascii: "R") || first == UInt8(ascii: "?") || first == UInt8(ascii: "*") { continue }
                if isNameByte(first) { copyName() }
                continue
            }
            copy(1)
        }
        return String(decoding: out, as: UTF8.self)
    }
}

/// Chooses the failregexes that could match a line at all, already combined: a line
/// starting with "F" only meets the regexes that can start with "F", and of those, only the
/// ones whose literal start ("Failed publickey for ") the line has. Exact because every
/// regex is anchored at the start, and candidates keep their order. Each route is compiled
/// the first time a line needs it: most logs meet only a few, and compiling them all would
/// dominate short runs. Fewer alternatives also make each match cheaper.
final class FailregexDispatch {
    /// A route as plain values (the dispatch keeps its objects alive), so following one
    /// per line costs no reference counting.
    struct Route {
        enum Kind: UInt8 {
            case unbuilt
            /// No failregex can match the line.
            case none
            case single
            case combined
            /// The candidates one after another (their alternation could not be built).
            case sequential
        }
        var kind = Kind.unbuilt
        /// The regex (single), or the index in `sequences` (sequential).
        var index = 0
        var code: MatchCode?
        var combined: Unmanaged<CombinedRegex>?
    }

    private let regexes: [FilterRegex]
    private let slots: CaptureSlots
    /// For each byte, its candidate set.
    private let setOfByte: UnsafeMutablePointer<Int32>
    private let candidates: [[Int]]
    /// Each set's route over all its candidates, once built.
    private let routes: UnsafeMutablePointer<Route>
    /// Literal starts, one after another.
    private let prefixBytes: UnsafeMutablePointer<UInt8>
    /// Sets whose candidates' literal starts can tell them apart: their candidates (flat,
    /// from `setStarts`), and routes by which candidates a line's start allows.
    private let narrows: UnsafeMutablePointer<Bool>
    private let setStarts: UnsafeMutablePointer<Int>
    private let setMembers: UnsafeMutablePointer<Int32>
    /// Per member: the first (up to) eight bytes of its literal start as a word, and the
    /// mask of those bytes, so most members are told apart by one compare.
    private let memberWords: UnsafeMutablePointer<UInt64>
    private let memberMasks: UnsafeMutablePointer<UInt64>
    /// Per member: where its literal start lies in `prefixBytes`, and its length (copied per
    /// member, so the per-line loop reads them without going through the regex index).
    private let memberPrefixStarts: UnsafeMutablePointer<Int>
    private let memberPrefixLengths: UnsafeMutablePointer<Int>
    fileprivate static let narrowedPerSet = 16
    private let narrowedMasks: UnsafeMutablePointer<UInt64>
    private let narrowedRoutes: UnsafeMutablePointer<Route>
    private let narrowedCounts: UnsafeMutablePointer<Int>
    private var built: [CombinedRegex] = []
    private(set) var sequences: [[Int]] = []
    /// The tables above that pick a line's route, for the per-line path (see `Lookup`).
    let lookup: UnsafeMutablePointer<Lookup>

    /// The route tables as one plain value, reached through a pointer: finding a line's
    /// route calls nothing on the dispatch and counts no references. Routes not built yet
    /// come back unbuilt, for the dispatch's `route(for:)` to build. The dispatch owns it.
    struct Lookup {
        fileprivate let setOfByte: UnsafeMutablePointer<Int32>
        fileprivate let routes: UnsafeMutablePointer<Route>
        fileprivate let prefixBytes: UnsafeMutablePointer<UInt8>
        fileprivate let narrows: UnsafeMutablePointer<Bool>
        fileprivate let setStarts: UnsafeMutablePointer<Int>
        fileprivate let memberWords: UnsafeMutablePointer<UInt64>
        fileprivate let memberMasks: UnsafeMutablePointer<UInt64>
        fileprivate let memberPrefixStarts: UnsafeMutablePointer<Int>
        fileprivate let memberPrefixLengths: UnsafeMutablePointer<Int>
        fileprivate let narrowedMasks: UnsafeMutablePointer<UInt64>
        fileprivate let narrowedRoutes: UnsafeMutablePointer<Route>
        fileprivate let narrowedCounts: UnsafeMutablePointer<Int>

        /// The route for a subject (the content a failregex sees, with its final newline).
        @inline(__always)
        func route(for subject: UnsafeRawBufferPointer) -> Route {
            let set = Int(setOfByte[Int(subject.first ?? 0x0A)])
            return narrows[set] ? narrowedRoute(set, subject) : routes[set]
        }

        private func narrowedRoute(_ set: Int, _ subject: UnsafeRawBufferPointer) -> Route {
            if let known = knownRoute(set, mask: narrowedMask(set, subject)) { return known }
            // Too many different starts: the route over all candidates serves the rest.
            return narrowedCounts[set] < FailregexDispatch.narrowedPerSet ? Route() : routes[set]
        }

        /// Which of the set's candidates the subject's start allows, as bits by position.
        @inline(__always)
        fileprivate func narrowedMask(_ set: Int, _ subject: UnsafeRawBufferPointer) -> UInt64 {
            let first = setStarts[set], end = setStarts[set + 1]
            var mask: UInt64 = 0
            // The subject ends with a newline, so is never empty.
            if subject.count >= 8 {
                let subjectWord = subject.loadUnaligned(as: UInt64.self)
                for position in first..<end {
                    // The first eight bytes decide most members; the rest is compared only then.
                    // A start of up to eight bytes fits the subject, which has eight.
                    guard (subjectWord ^ memberWords[position]) & memberMasks[position] == 0 else { continue }
                    let length = memberPrefixLengths[position]
                    if length <= 8 || (length <= subject.count
                        && FailregexDispatch.equal(prefixBytes + memberPrefixStarts[position] + 8, subject.baseAddress! + 8, length - 8)) {
                        mask |= 1 << UInt64(position - first)
                    }
                }
            } else {
                for position in first..<end {
                    let length = memberPrefixLengths[position]
                    guard length <= subject.count else { continue }
                    if FailregexDispatch.equal(prefixBytes + memberPrefixStarts[position], subject.baseAddress, length) {
                        mask |= 1 << UInt64(position - first)
                    }
                }
            }
            return mask
        }

        /// The route built for a set's narrowed mask, if there is one.
        @inline(__always)
        fileprivate func knownRoute(_ set: Int, mask: UInt64) -> Route? {
            let slots = set * FailregexDispatch.narrowedPerSet
            for slot in slots..<(slots + narrowedCounts[set]) where narrowedMasks[slot] == mask {
                // Move a hit one place forward: the masks lines meet most end up tried first.
                guard slot > slots else { return narrowedRoutes[slot] }
                let route = narrowedRoutes[slot]
                narrowedMasks[slot] = narrowedMasks[slot - 1]
                narrowedRoutes[slot] = narrowedRoutes[slot - 1]
                narrowedMasks[slot - 1] = mask
                narrowedRoutes[slot - 1] = route
                return route
            }
            return nil
        }
    }

    init?(_ regexes: [FilterRegex], slots: CaptureSlots) {
        guard regexes.count > 1, regexes.allSatisfy({ $0.pattern.isAnchored }) else { return nil }
        // Numbered references would shift inside an alternation: such filters run one by one.
        guard regexes.allSatisfy({ CombinedRegex.renameGroups($0.pattern.source, suffix: "") != nil }) else { return nil }
        // What each regex can start with, studied on the pattern without its leading "^".
        let starts: [[Bool]?] = regexes.map { regex in
            let source = regex.pattern.source
            guard source.hasPrefix("^"), !source.contains("(?i") else { return nil }
            return Pattern.startingBytes(of: String(source.dropFirst()))
        }
        var setOfByte = [Int32](repeating: 0, count: 256)
        var candidates: [[Int]] = []
        var indexOfCandidates: [[Int]: Int] = [:]
        for byte in 0..<256 {
            // Bytes of multi-byte characters are matched by the Unicode patterns: no shortcut.
            let set = regexes.indices.filter { index in
                byte >= 0x80 || (starts[index]?[byte] ?? true)
            }
            if let existing = indexOfCandidates[set] { setOfByte[byte] = Int32(existing); continue }
            candidates.append(set)
            indexOfCandidates[set] = candidates.count - 1
            setOfByte[byte] = Int32(candidates.count - 1)
        }
        let prefixes = regexes.map { LiteralPrefix.of($0.pattern.source) }
        self.regexes = regexes
        self.slots = slots
        self.setOfByte = .allocate(capacity: 256)
        self.setOfByte.initialize(from: setOfByte, count: 256)
        self.candidates = candidates
        routes = .allocate(capacity: candidates.count)
        routes.initialize(repeating: Route(), count: candidates.count)

        let flatPrefixes = prefixes.flatMap { $0 }
        prefixBytes = .allocate(capacity: max(flatPrefixes.count, 1))
        prefixBytes.initialize(from: flatPrefixes, count: flatPrefixes.count)
        var prefixStarts: [Int] = []
        var offset = 0
        for prefix in prefixes {
            prefixStarts.append(offset)
            offset += prefix.count
        }

        narrows = .allocate(capacity: candidates.count)
        setStarts = .allocate(capacity: candidates.count + 1)
        let members = candidates.flatMap { $0.map(Int32.init) }
        setMembers = .allocate(capacity: max(members.count, 1))
        setMembers.initialize(from: members, count: members.count)
        memberWords = .allocate(capacity: max(members.count, 1))
        memberMasks = .allocate(capacity: max(members.count, 1))
        memberPrefixStarts = .allocate(capacity: max(members.count, 1))
        memberPrefixLengths = .allocate(capacity: max(members.count, 1))
        for (position, member) in members.enumerated() {
            memberPrefixStarts[position] = prefixStarts[Int(member)]
            memberPrefixLengths[position] = prefixes[Int(member)].count
            let head = prefixes[Int(member)].prefix(8)
            var word: UInt64 = 0, mask: UInt64 = 0
            // Little-endian, as an unaligned load of the subject reads it.
            for (offset, byte) in head.enumerated() {
                word |= UInt64(byte) << UInt64(8 * offset)
                mask |= 0xFF << UInt64(8 * offset)
            }
            memberWords[position] = UInt64(littleEndian: word)
            memberMasks[position] = UInt64(littleEndian: mask)
        }
        var memberOffset = 0
        for (set, regexIndices) in candidates.enumerated() {
            setStarts[set] = memberOffset
            memberOffset += regexIndices.count
            // Every candidate already shares the first byte; a longer literal start tells more.
            narrows[set] = regexIndices.count > 1 && regexIndices.count <= 64 && regexIndices.contains { prefixes[$0].count > 1 }
        }
        setStarts[candidates.count] = memberOffset
        let narrowedSize = candidates.count * FailregexDispatch.narrowedPerSet
        narrowedMasks = .allocate(capacity: narrowedSize)
        narrowedMasks.initialize(repeating: 0, count: narrowedSize)
        narrowedRoutes = .allocate(capacity: narrowedSize)
        narrowedRoutes.initialize(repeating: Route(), count: narrowedSize)
        narrowedCounts = .allocate(capacity: candidates.count)
        narrowedCounts.initialize(repeating: 0, count: candidates.count)
        lookup = .allocate(capacity: 1)
        lookup.initialize(to: Lookup(
            setOfByte: self.setOfByte, routes: routes, prefixBytes: prefixBytes, narrows: narrows, setStarts: setStarts,
            memberWords: memberWords, memberMasks: memberMasks, memberPrefixStarts: memberPrefixStarts,
            memberPrefixLengths: memberPrefixLengths, narrowedMasks: narrowedMasks, narrowedRoutes: narrowedRoutes,
            narrowedCounts: narrowedCounts
        ))
    }

    deinit {
        setOfByte.deallocate()
        routes.deallocate()
        prefixBytes.deallocate()
        narrows.deallocate()
        setStarts.deallocate()
        setMembers.deallocate()
        memberWords.deallocate()
        memberMasks.deallocate()
        memberPrefixStarts.deallocate()
        memberPrefixLengths.deallocate()
        narrowedMasks.deallocate()
        narrowedRoutes.deallocate()
        narrowedCounts.deallocate()
        lookup.deinitialize(count: 1)
        lookup.deallocate()
    }

    /// The route for a subject (the content a failregex sees, with its final newline),
    /// built if need be.
    func route(for subject: UnsafeRawBufferPointer) -> Route {
        let set = Int(setOfByte[Int(subject.first ?? 0x0A)])
        if narrows[set] { return narrowedRoute(set, subject) }
        return route(ofSet: set)
    }

    @inline(__always)
    private func route(ofSet set: Int) -> Route {
        let route = routes[set]
        if route.kind != .unbuilt { return route }
        let built = build(candidates[set])
        routes[set] = built
        return built
    }

    private func narrowedRoute(_ set: Int, _ subject: UnsafeRawBufferPointer) -> Route {
        let mask = lookup.pointee.narrowedMask(set, subject)
        if let known = lookup.pointee.knownRoute(set, mask: mask) { return known }
        let known = narrowedCounts[set]
        // Too many different starts: the route over all candidates serves the rest.
        guard known < FailregexDispatch.narrowedPerSet else { return route(ofSet: set) }
        let first = setStarts[set], end = setStarts[set + 1]
        let allowed = (first..<end).filter { mask & (1 << UInt64($0 - first)) != 0 }.map { Int(setMembers[$0]) }
        let route = build(allowed)
        let slot = set * FailregexDispatch.narrowedPerSet + known
        narrowedMasks[slot] = mask
        narrowedRoutes[slot] = route
        narrowedCounts[set] = known + 1
        return route
    }

    /// Literal starts are short: comparing inline, a word at a time, beats calling memcmp.
    @inline(__always)
    fileprivate static func equal(_ prefix: UnsafePointer<UInt8>, _ subject: UnsafeRawPointer?, _ length: Int) -> Bool {
        guard length > 0, let subject else { return true }
        let prefix = UnsafeRawPointer(prefix)
        var index = 0
        while index + 8 <= length {
            if prefix.loadUnaligned(fromByteOffset: index, as: UInt64.self) != subject.loadUnaligned(fromByteOffset: index, as: UInt64.self) {
                return false
            }
            index += 8
        }
        while index < length {
            if prefix.load(fromByteOffset: index, as: UInt8.self) != subject.load(fromByteOffset: index, as: UInt8.self) { return false }
            index += 1
        }
        return true
    }

    private func build(_ set: [Int]) -> Route {
        var route = Route()
        switch set.count {
        case 0:
            route.kind = .none
        case 1:
            route.kind = .single
            route.index = set[0]
            route.code = regexes[set[0]].pattern.matchCode
        default:
            if let combined = CombinedRegex(regexes, indices: set, slots: slots, existingSlotsOnly: true) {
                built.append(combined)
                route.kind = .combined
                route.code = combined.code
                route.combined = Unmanaged.passUnretained(combined)
            } else {
                route.kind = .sequential
                route.index = sequences.count
                sequences.append(set)
            }
        }
        return route
    }

    /// The alternation over every regex (used for lines that do not start with ASCII).
    var everything: CombinedRegex? {
        route(ofSet: Int(setOfByte[0xC3])).combined?.takeUnretainedValue()
    }
}
