import BailiffConfig

/// What a line did to the filter.
public enum LineOutcome: Equatable, Sendable {
    /// No failregex matched.
    case missed
    /// An ignoreregex matched (its index).
    case ignored(Int)
    /// A failregex matched (its index); the failures it produced may be empty when the
    /// match was marked `<F-NOFAIL>` or waits for a multi-line id.
    case matched(Int)
    /// A regex hit its match limit on this line; the line was skipped.
    case tooComplex
}

public struct LineResult: Sendable {
    public var outcome: LineOutcome
    public var failures: [Failure]
    /// The time taken from the line (or the entry), if any.
    public var time: Double?
}

/// Runs one filter over lines, with fail2ban's semantics: date split off the line,
/// `prefregex` then the first matching `failregex`, `ignoreregex`, `maxlines` buffers,
/// and multi-line ids (`<F-MLFID>`, `<F-MLFFORGET>`, `<F-MLFGAINED>`, `<F-NOFAIL>`).
/// Stateful and single-threaded: one processor per filter per reader.
public final class FilterProcessor {
    public let definition: FilterDefinition
    public let prefregex: FilterRegex?
    public let failregexes: [FilterRegex]
    public let ignoreregexes: [FilterRegex]
    public let dates: DateDetector
    /// The failregexes as one alternation, when that is exact (see CombinedRegex).
    let dispatch: FailregexDispatch?
    /// The single alternation the failregexes run as, if they do (for `--show-regexes`).
    public var combinedPatternSource: String? { dispatch?.everything?.pattern.source }
    /// Capture names as slots, and where each regex's groups land.
    let slots = CaptureSlots()
    let prefMap: GroupMap?
    let failMaps: [GroupMap]
    let maxLines: Int
    let scratch = MatchScratch()
    let clock: @Sendable () -> Double

    /// A line with the date text split out: regexes see `head + tail`.
    struct SplitLine {
        var text: [UInt8]       // head + tail
        var original: [UInt8]   // the full line
        var isASCII: Bool
    }
    private var lineBuffer: [SplitLine] = []
    private var lastDate: Double?
    private var multiLineCache = MultiLineCache(capacity: 100, lifetime: 300)

    /// Reused buffers, so a line that matches nothing allocates nothing.
    private var buffer: [UInt8] = []
    private var contentBuffer: [UInt8] = []
    private lazy var lineValues = [String?](repeating: nil, count: slots.count)
    /// Whether the current line is pure ASCII (then the faster byte-mode patterns apply).
    private var bufferIsASCII = false

    /// - Parameter clock: "now", for undated lines and the multi-line cache.
    public init(definition: FilterDefinition, logTimeZone: String? = nil, clock: @escaping @Sendable () -> Double) throws(ConfigError) {
        self.definition = definition
        self.clock = clock
        maxLines = definition.maxlines
        let multiline = definition.maxlines > 1
        let useDNS = (definition.usedns ?? "warn").lowercased() != "no"
        prefregex = try definition.prefregex.map { (regex: FilterDefinition.Regex) throws(ConfigError) in
            try FilterRegex(regex, multiline: multiline, useDNS: useDNS)
        }
        var fails: [FilterRegex] = []
        for regex in definition.failregex {
            let compiled = try FilterRegex(regex, multiline: multiline, useDNS: useDNS)
            if !compiled.hasFailureID, !(prefregex?.hasFailureID ?? false) {
                throw ConfigError("failregex has no host or id group (<HOST>, <ADDR>, <F-ID>...): \(regex.text)", at: regex.location)
            }
            fails.append(compiled)
        }
        failregexes = fails
        let slots = self.slots
        dispatch = definition.maxlines <= 1 ? FailregexDispatch(fails, slots: slots) : nil
        prefMap = prefregex.map { GroupMap(groups: $0.groups, alternates: $0.alternates, slots: slots) }
        failMaps = fails.map { GroupMap(groups: $0.groups, alternates: $0.alternates, slots: slots) }
        var ignores: [FilterRegex] = []
        for regex in definition.ignoreregex { ignores.append(try FilterRegex(regex, multiline: multiline, useDNS: useDNS)) }
        ignoreregexes = ignores
        do {
            dates = try DateDetector(datePattern: definition.datepattern, logTimeZone: logTimeZone, now: clock)
        } catch {
            throw ConfigError("datepattern: \(error)", at: definition.prefregex?.location)
        }
    }

    /// Processes a plain log line (its date is detected in the line).
    public func process(line: UnsafeRawBufferPointer) -> LineResult {
        var time: Double?
        var dateRange = 0..<0
        if let found = dates.match(line, scratch: scratch) {
            dateRange = found.range
            time = found.time
            if !found.range.isEmpty, let value = found.time { lastDate = value }
        }
        if time == nil, let last = lastDate, last > clock() - 60 { time = last }
        buffer.removeAll(keepingCapacity: true)
        let headASCII = UTF8Repair.append(UnsafeRawBufferPointer(rebasing: line[0..<dateRange.lowerBound]), to: &buffer)
        let tailASCII = UTF8Repair.append(UnsafeRawBufferPointer(rebasing: line[dateRange.upperBound...]), to: &buffer)
        bufferIsASCII = headASCII && tailASCII
        return findFailures(original: line, time: time)
    }

    /// Processes a line whose time is known (a journal entry): no date is searched.
    public func process(line: UnsafeRawBufferPointer, time: Double) -> LineResult {
        lastDate = time
        buffer.removeAll(keepingCapacity: true)
        bufferIsASCII = UTF8Repair.append(line, to: &buffer)
        return findFailures(original: line, time: time)
    }

    public func process(line: String, time: Double? = nil) -> LineResult {
        var copy = line
        return copy.withUTF8 { bytes in
            let raw = UnsafeRawBufferPointer(bytes)
            if let time { return process(line: raw, time: time) }
            return process(line: raw)
        }
    }

    // MARK: - Matching

    /// `buffer` holds the current line without its date.
    private func findFailures(original: UnsafeRawBufferPointer, time: Double?) -> LineResult {
        var result = LineResult(outcome: .missed, failures: [], time: time)
        let single = maxLines <= 1
        if single {
            buffer.append(0x0A)
        } else {
            lineBuffer.append(SplitLine(text: buffer, original: Array(original), isASCII: bufferIsASCII))
            if lineBuffer.count > maxLines { lineBuffer.removeFirst(lineBuffer.count - maxLines) }
            buffer = FilterProcessor.join(lineBuffer)
            bufferIsASCII = lineBuffer.allSatisfy(\.isASCII)
        }

        // Few ignoreregexes: test them once on the whole line before anything else.
        if !ignoreregexes.isEmpty, ignoreregexes.count < failregexes.count - 2 {
            switch firstIgnore(in: buffer) {
            case .some(.some(let index)): result.outcome = .ignored(index); return result
            case .none: result.outcome = .tooComplex; return result
            default: break
            }
        }

        // Reused across lines: a line that matches nothing allocates nothing.
        var values = lineValues
        lineValues = []
        defer { lineValues = values }
        for slot in values.indices { values[slot] = nil }
        var subjectIsContent = false
        if let prefregex, let prefMap {
            let outcome = buffer.withUnsafeBytes { scratch.match(prefregex.pattern, in: $0, ascii: bufferIsASCII) }
            switch outcome {
            case .matched: break
            case .limitExceeded: result.outcome = .tooComplex; return result
            default: return result
            }
            prefMap.read(scratch, into: &values)
            if let content = values[CaptureSlots.content], !content.isEmpty,
               let range = prefregex.content.lazy.compactMap({ self.scratch.range(ofGroup: $0) }).first {
                contentBuffer.removeAll(keepingCapacity: true)
                contentBuffer.append(contentsOf: buffer[range])
                contentBuffer.append(0x0A)
                subjectIsContent = true
            }
            values[CaptureSlots.content] = nil
        }

        let index: Int
        switch firstFailregex(in: subjectIsContent ? contentBuffer : buffer, into: &values) {
        case .none: result.outcome = .tooComplex; return result
        case .some(.none): return result
        case .some(.some(let found)): index = found
        }
        var matchedLines = MatchedLines()
        var ignoreSubject = subjectIsContent ? contentBuffer : buffer
        if single || subjectIsContent {
            matchedLines.append(FilterProcessor.text(original))
            if !single { lineBuffer = [] }
        } else {
            let split = splitBuffer(regex: failregexes[index])
            for line in split.matched { matchedLines.append(String(decoding: line.original, as: UTF8.self)) }
            ignoreSubject = FilterProcessor.join(split.matched)
            lineBuffer = split.unmatched
        }
        if !ignoreregexes.isEmpty {
            switch firstIgnore(in: ignoreSubject) {
            case .some(.some(let ignoreIndex)): result.outcome = .ignored(ignoreIndex); return result
            case .none: result.outcome = .tooComplex; return result
            default: break
            }
        }
        result.outcome = .matched(index)
        let data: FailureData
        if let mlfid = values[CaptureSlots.mlfid] {
            data = mergeMultiLine(mlfid, values: &values, matchedLines: matchedLines)
            if data.isSet(CaptureSlots.nofail) { return result }
        } else {
            data = FailureData(values: values)
            data.matches = matchedLines
            if data.isSet(CaptureSlots.nofail) { return result }
        }
        guard let failure = makeFailure(data, regexIndex: index, time: time) else {
            data.pending = true
            return result
        }
        result.failures.append(failure)
        return result
    }

    /// The first failregex matching `subject` (its captures written to `values`); nil when a
    /// limit was hit.
    private func firstFailregex(in subject: [UInt8], into values: inout [String?]) -> Int?? {
        if let dispatch {
            switch dispatch.route(forFirstByte: subject.first ?? 0x0A) {
            case .none:
                return .some(nil)
            case .single(let index):
                switch subject.withUnsafeBytes({ scratch.match(failregexes[index].pattern, in: $0, ascii: bufferIsASCII) }) {
                case .matched:
                    failMaps[index].read(scratch, into: &values)
                    return .some(index)
                case .limitExceeded: return nil
                default: return .some(nil)
                }
            case .combined(let combined):
                switch subject.withUnsafeBytes({ scratch.match(combined.pattern, in: $0, ascii: bufferIsASCII) }) {
                case .matched:
                    guard let position = combined.matchedAlternative(scratch) else { return .some(nil) }
                    combined.maps[position].read(scratch, into: &values)
                    return .some(combined.indices[position])
                case .limitExceeded: return nil
                default: return .some(nil)
                }
            }
        }
        for (index, regex) in failregexes.enumerated() {
            switch subject.withUnsafeBytes({ scratch.match(regex.pattern, in: $0, ascii: bufferIsASCII) }) {
            case .matched:
                failMaps[index].read(scratch, into: &values)
                return .some(index)
            case .limitExceeded: return nil
            default: continue
            }
        }
        return .some(nil)
    }

    /// nil: a limit was hit; .some(nil): no ignoreregex matched.
    private func firstIgnore(in subject: [UInt8]) -> Int?? {
        for (index, regex) in ignoreregexes.enumerated() {
            let outcome = subject.withUnsafeBytes { scratch.match(regex.pattern, in: $0, ascii: bufferIsASCII) }
            if outcome == .matched { return .some(index) }
            if outcome == .limitExceeded { return nil }
        }
        return .some(nil)
    }

    private func makeFailure(_ data: FailureData, regexIndex: Int, time: Double?) -> Failure? {
        let values = data.values
        var address: String?
        var id: String
        let fid = values[CaptureSlots.fid]
        if let ip = values[CaptureSlots.ip4] ?? values[CaptureSlots.ip6] {
            let isV6 = values[CaptureSlots.ip4] == nil
            var host = isV6 ? Addresses.normalizeIPv6(ip) : ip
            if let cidr = values[CaptureSlots.cidr].flatMap(Int.init), cidr < (isV6 ? 128 : 32) {
                host = Addresses.network(host, prefix: cidr) ?? host
            }
            if let fid, fid != ip { address = host; id = fid } else { id = host }
        } else if let dns = values[CaptureSlots.dns] {
            if let fid, fid != dns { address = dns; id = fid } else { id = dns }
        } else if let fid {
            id = fid
        } else {
            return nil
        }
        return Failure(
            id: id, address: address, time: time, regexIndex: regexIndex,
            users: data.users ?? [], lines: data.matches.lines, attempts: data.matches.count, values: values, slots: slots
        )
    }

    /// fail2ban's merge of a line into the state of its multi-line id.
    private func mergeMultiLine(_ mlfid: String, values: inout [String?], matchedLines: MatchedLines) -> FailureData {
        let now = clock()
        let cached = multiLineCache.get(mlfid, now: now)
        var flags = 0
        let nofailFlag = 1, forgetFlag = 2, cachedNofailFlag = 4, gainedFlag = 8
        func isSet(_ slot: Int) -> Bool { !(values[slot] ?? "").isEmpty }
        if isSet(CaptureSlots.mlfgained) {
            flags |= gainedFlag | nofailFlag
            if !isSet(CaptureSlots.nofail) { values[CaptureSlots.nofail] = values[CaptureSlots.mlfgained] }
        } else if isSet(CaptureSlots.nofail) {
            flags |= nofailFlag
        }
        if isSet(CaptureSlots.mlfforget) { flags |= forgetFlag }
        values[CaptureSlots.mlfforget] = nil
        let fail: FailureData
        var users: Set<String>?
        if let cached {
            users = cached.addUser(values[CaptureSlots.user])
            if let value = cached.take(CaptureSlots.nofail), !value.isEmpty { flags |= cachedNofailFlag }
            if let value = cached.take(CaptureSlots.mlfgained), !value.isEmpty { flags |= cachedNofailFlag }
            if flags & gainedFlag != 0 { cached.pending = false }
            if flags & cachedNofailFlag == 0, !cached.pending { cached.matches.removeAll() }
            // A line naming an address replaces the connection's address as a whole, so an
            // IPv6 peer never inherits an IPv4 address cached for the same id.
            if values[CaptureSlots.ip4] != nil || values[CaptureSlots.ip6] != nil || values[CaptureSlots.dns] != nil {
                for slot in [CaptureSlots.ip4, CaptureSlots.ip6, CaptureSlots.dns, CaptureSlots.cidr] { cached.values[slot] = nil }
            }
            for (slot, value) in values.enumerated() where value != nil { cached.values[slot] = value }
            fail = cached
            if flags & forgetFlag != 0 { multiLineCache.remove(mlfid) }
        } else {
            fail = FailureData(values: values)
            if flags & forgetFlag == 0 {
                users = fail.addUser(values[CaptureSlots.user])
                multiLineCache.set(mlfid, fail, now: now)
            }
        }
        let wasPending = fail.pending
        fail.pending = false
        if wasPending || (users?.count ?? 0) > 1 {
            fail.values[CaptureSlots.nofail] = nil
            fail.values[CaptureSlots.mlfgained] = nil
            flags &= ~(gainedFlag | nofailFlag)
        }
        if flags & nofailFlag == 0 {
            // Earlier no-failure lines of the connection come first, then the failures.
            if !fail.nofailMatches.isEmpty {
                var lines = fail.nofailMatches
                lines.append(fail.matches)
                fail.matches = lines
                fail.nofailMatches.removeAll()
            }
            if flags & gainedFlag == 0 { fail.matches.append(matchedLines) }
        } else if flags & (nofailFlag | forgetFlag) == nofailFlag {
            fail.nofailMatches.append(matchedLines)
        }
        return fail
    }

    // MARK: - Multi-line buffers

    static func join(_ lines: [SplitLine]) -> [UInt8] {
        var out: [UInt8] = []
        for line in lines { out += line.text; out.append(0x0A) }
        return out
    }

    static func text(_ bytes: UnsafeRawBufferPointer) -> String { String(decoding: bytes, as: UTF8.self) }

    /// Splits the buffered lines into those the match covered (less `<SKIPLINES>`) and the rest.
    private func splitBuffer(regex: FilterRegex) -> (matched: [SplitLine], unmatched: [SplitLine]) {
        guard let whole = scratch.range(ofGroup: 0) else { return ([], lineBuffer) }
        let joined = buffer
        var starts: [Int] = [0]
        for (offset, byte) in joined.enumerated() where byte == 0x0A { starts.append(offset + 1) }
        // Lines fully or partly inside the match.
        let firstLine = starts.lastIndex(where: { $0 <= whole.lowerBound }) ?? 0
        let endProbe = max(whole.upperBound - 1, whole.lowerBound)
        let lastLine = min((starts.lastIndex(where: { $0 <= endProbe }) ?? 0), lineBuffer.count - 1)
        var matched = Array(lineBuffer[min(firstLine, lineBuffer.count)...max(min(firstLine, lineBuffer.count - 1), lastLine)])
        var unmatched = Array(lineBuffer[..<min(firstLine, lineBuffer.count)])
        var skipped: [[UInt8]] = []
        for group in regex.skipLineGroups {
            guard let range = scratch.range(ofGroup: group) else { continue }
            skipped += joined[range].split(separator: 0x0A, omittingEmptySubsequences: false).map(Array.init).filter { !$0.isEmpty }
        }
        var searchFrom = 0
        for line in skipped {
            if let position = matched[searchFrom...].firstIndex(where: { $0.text == line }) {
                unmatched.append(matched.remove(at: position))
                searchFrom = position
            }
        }
        if lastLine + 1 < lineBuffer.count { unmatched += lineBuffer[(lastLine + 1)...] }
        return (matched, unmatched)
    }
}
