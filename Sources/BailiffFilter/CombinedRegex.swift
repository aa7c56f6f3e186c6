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
    let maps: [GroupMap]
    /// The groups of each alternative under their own names, for inspection.
    let groups: [[(name: String, number: Int)]]

    /// - Parameter indices: which of `regexes` to combine, in order (all when nil).
    init?(_ regexes: [FilterRegex], indices: [Int]? = nil, slots: CaptureSlots? = nil) {
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
        maps = indices.enumerated().map { position, index in
            GroupMap(groups: groups[position], alternates: regexes[index].alternates, slots: slots)
        }
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
        markers.firstIndex { scratch.range(ofGroup: $0) != nil }
    }

    /// Appends `suffix` to every group name and named reference; nil when the pattern uses
    /// numbered references, which would shift in the alternation.
    static func renameGroups(_ source: String, suffix: String) -> String? {
        let bytes = Array(source.utf8)
        var out: [UInt8] = []
        var index = 0
        var inClass = false
        func isNameByte(_ byte: UInt8) -> Bool {
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || byte == 0x5F
        }
        func copyName() {
            while index < bytes.count, isNameByte(bytes[index]) { out.append(bytes[index]); index += 1 }
            out += Array(suffix.utf8)
        }
        func hasPrefix(_ text: String) -> Bool {
            let probe = Array(text.utf8)
            return index + probe.count <= bytes.count && Array(bytes[index..<index + probe.count]) == probe
        }
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\\"), index + 1 < bytes.count {
                let next = bytes[index + 1]
                if !inClass, next >= UInt8(ascii: "1"), next <= UInt8(ascii: "9") { return nil }
                if !inClass, next == UInt8(ascii: "g") || next == UInt8(ascii: "k") { return nil }
                out.append(byte); out.append(next); index += 2
                continue
            }
            if inClass {
                if byte == UInt8(ascii: "]") { inClass = false }
                out.append(byte); index += 1
                continue
            }
            if byte == UInt8(ascii: "[") {
                inClass = true
                out.append(byte); index += 1
                if index < bytes.count, bytes[index] == UInt8(ascii: "^") { out.append(bytes[index]); index += 1 }
                if index < bytes.count, bytes[index] == UInt8(ascii: "]") { out.append(bytes[index]); index += 1 }
                continue
            }
            var handled = false
            for opener in ["(?P<", "(?P=", "(?P>", "(?&"] where hasPrefix(opener) {
                out += Array(opener.utf8); index += opener.utf8.count
                copyName()
                handled = true
                break
            }
            if handled { continue }
            if hasPrefix("(?<"), index + 3 < bytes.count, isNameByte(bytes[index + 3]) {
                out += Array("(?<".utf8); index += 3
                copyName()
                continue
            }
            if hasPrefix("(?(") {
                out += Array("(?(".utf8); index += 3
                guard index < bytes.count else { return nil }
                let first = bytes[index]
                if first >= UInt8(ascii: "0"), first <= UInt8(ascii: "9") { return nil }
                if first == UInt8(ascii: "<") || first == UInt8(ascii: "'") { out.append(first); index += 1; copyName(); continue }
                if first == UInt8(ascii: "R") || first == UInt8(ascii: "?") || first == UInt8(ascii: "*") { continue }
                if isNameByte(first) { copyName() }
                continue
            }
            guard index < bytes.count else { break }
            out.append(bytes[index]); index += 1
        }
        return String(decoding: out, as: UTF8.self)
    }
}

/// Chooses, from the first byte of a line, the failregexes that could match it at all,
/// already combined: a line starting with "F" only meets the regexes that can start with
/// "F". Exact because every regex is anchored at the start, and candidates keep their order.
final class FailregexDispatch {
    enum Route {
        /// No failregex can match a line starting with this byte.
        case none
        case single(Int)
        case combined(CombinedRegex)
    }

    private let routeOfByte: [Int]
    private let routes: [Route]

    init?(_ regexes: [FilterRegex], slots: CaptureSlots) {
        guard regexes.count > 1, regexes.allSatisfy({ $0.pattern.isAnchored }) else { return nil }
        // What each regex can start with, studied on the pattern without its leading "^".
        let starts: [[Bool]?] = regexes.map { regex in
            let source = regex.pattern.source
            guard source.hasPrefix("^"), !source.contains("(?i") else { return nil }
            return Pattern.startingBytes(of: String(source.dropFirst()))
        }
        var routeOfByte = [Int](repeating: 0, count: 256)
        var routes: [Route] = []
        var routeOfCandidates: [[Int]: Int] = [:]
        for byte in 0..<256 {
            // Bytes of multi-byte characters are matched by the Unicode patterns: no shortcut.
            let candidates = regexes.indices.filter { index in
                byte >= 0x80 || (starts[index]?[byte] ?? true)
            }
            if let existing = routeOfCandidates[candidates] { routeOfByte[byte] = existing; continue }
            let route: Route
            switch candidates.count {
            case 0: route = .none
            case 1: route = .single(candidates[0])
            default:
                guard let combined = CombinedRegex(regexes, indices: candidates, slots: slots) else { return nil }
                route = .combined(combined)
            }
            routes.append(route)
            routeOfCandidates[candidates] = routes.count - 1
            routeOfByte[byte] = routes.count - 1
        }
        self.routeOfByte = routeOfByte
        self.routes = routes
    }

    @inline(__always)
    func route(forFirstByte byte: UInt8) -> Route { routes[routeOfByte[Int(byte)]] }

    /// The alternation over every regex (used for lines that do not start with ASCII).
    var everything: CombinedRegex? {
        if case .combined(let combined) = route(forFirstByte: 0xC3) { return combined }
        return nil
    }
}
