import BailiffConfig
import Glibc

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
    /// The failure the line completed, if any (and if the processor builds failures).
    public var failure: Failure?
    /// Whether the line completed a failure, also when the processor does not build it.
    public var failed = false
    /// The failures of the line (none or one), for callers that iterate.
    public var failures: [Failure] { failure.map { [$0] } ?? [] }
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
    /// The prefregex without its `.+$` content tail, for single lines (see PrefregexHead).
    let prefHead: PrefregexHead?
    /// Map `i` is failregex `i`'s.
    let failMaps: GroupMap
    /// The failregexes' compiled forms, as plain values for the per-line path.
    private let failCodes: [MatchCode]
    /// The objects above that every line meets, as plain values: following them costs no
    /// reference counting (the properties keep them alive).
    private let headCode: MatchCode?
    private let headMap: Unmanaged<GroupMap>?
    private let dispatchRef: Unmanaged<FailregexDispatch>?
    private let dispatchLookup: UnsafePointer<FailregexDispatch.Lookup>?
    private let failMapsRef: Unmanaged<GroupMap>
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
    private let multiLineCache = MultiLineCache(capacity: 100, lifetime: 300)

    /// The current subject (the line without its date, and a newline), then, when the
    /// prefregex content is not a suffix of it, a copy of that content. Every capture is
    /// a range in here. Reused across lines: a line that matches nothing allocates nothing.
    private let buffer = ByteBuffer()
    private let ranges: CaptureRanges
    /// The captures of lines without a multi-line id (see `capturedValues`).
    private var lineValues: CaptureValues
    /// Whether the current line is pure ASCII (then the faster byte-mode patterns apply).
    private var bufferIsASCII = false
    /// Whether the current line holds a line feed (then the prefregex runs in full).
    private var lineHasLineFeed = false
    /// Whether failures carry the text of their lines (`Failure.lines`). Counting tools
    /// that never read them turn this off and save a String per matched line.
    public var keepsMatchedLines = true
    /// Whether results carry the `Failure` itself. Tools that only count failures turn
    /// this off: `LineResult.failed` still tells, and no failure object, id or capture
    /// text is made per line.
    public var buildsFailures = true

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
        prefHead = multiline ? nil : prefregex.flatMap { PrefregexHead($0, slots: slots) }
        failMaps = GroupMap(maps: fails.map { ($0.groups, $0.alternates) }, slots: slots)
        failCodes = fails.map(\.pattern.matchCode)
        headCode = prefHead?.code
        headMap = prefHead.map { Unmanaged.passUnretained($0.map) }
        dispatchRef = dispatch.map { Unmanaged.passUnretained($0) }
        dispatchLookup = dispatch.map { UnsafePointer($0.lookup) }
        failMapsRef = Unmanaged.passUnretained(failMaps)
        var ignores: [FilterRegex] = []
        for regex in definition.ignoreregex { ignores.append(try FilterRegex(regex, multiline: multiline, useDNS: useDNS)) }
        ignoreregexes = ignores
        ranges = CaptureRanges(count: slots.count)
        lineValues = CaptureValues(count: slots.count)
        do {
            dates = try DateDetector(datePattern: definition.datepattern, logTimeZone: logTimeZone, now: clock)
        } catch {
            throw ConfigError("datepattern: \(error)", at: definition.prefregex?.location)
        }
    }

    /// Processes a plain log line (its date is detected in the line).
    /// - Parameter facts: what the caller already knows about the line's bytes.
    public func process(line: UnsafeRawBufferPointer, facts: LineFacts = .unknown) -> LineResult {
        var time: Double?
        var dateRange = 0..<0
        if let found = dates.match(line, scratch: scratch) {
            dateRange = found.range
            time = found.time
            if !found.range.isEmpty, let value = found.time { lastDate = value }
        }
        if time == nil, let last = lastDate, last > clock() - 60 { time = last }
        buffer.removeAll()
        let head = UnsafeRawBufferPointer(rebasing: line[0..<dateRange.lowerBound])
        let tail = UnsafeRawBufferPointer(rebasing: line[dateRange.upperBound...])
        if facts.isASCII && facts.lacksLineFeed {
            lineHasLineFeed = false
            bufferIsASCII = true
        } else {
            // A non-ASCII date leaves the rest ASCII; that case is rare enough to look twice.
            let scan = UTF8Repair.scan(line)
            lineHasLineFeed = scan.lineFeed
            bufferIsASCII = scan.ascii || (UTF8Repair.isASCII(head) && UTF8Repair.isASCII(tail))
        }
        if bufferIsASCII {
            buffer.append(head, tail)
        } else {
            UTF8Repair.append(head, to: buffer)
            UTF8Repair.append(tail, to: buffer)
        }
        return findFailures(original: line, time: time)
    }

    /// Processes a line whose time is known (a journal entry): no date is searched.
    public func process(line: UnsafeRawBufferPointer, time: Double) -> LineResult {
        lastDate = time
        buffer.removeAll()
        let scan = UTF8Repair.scan(line)
        lineHasLineFeed = scan.lineFeed
        bufferIsASCII = scan.ascii
        if bufferIsASCII { buffer.append(line) } else { UTF8Repair.append(line, to: buffer) }
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
        var result = LineResult(outcome: .missed, failure: nil, time: time)
        let single = maxLines <= 1
        if single {
            buffer.append(0x0A)
        } else {
            lineBuffer.append(SplitLine(text: buffer.array(), original: Array(original), isASCII: bufferIsASCII))
            if lineBuffer.count > maxLines { lineBuffer.removeFirst(lineBuffer.count - maxLines) }
            buffer.removeAll()
            FilterProcessor.join(lineBuffer, into: buffer)
            bufferIsASCII = lineBuffer.allSatisfy(\.isASCII)
        }
        let lineEnd = buffer.count

        // Few ignoreregexes: test them once on the whole line before anything else.
        if !ignoreregexes.isEmpty, ignoreregexes.count < failregexes.count - 2 {
            switch firstIgnore(in: buffer.bytes) {
            case .some(.some(let index)): result.outcome = .ignored(index); return result
            case .none: result.outcome = .tooComplex; return result
            default: break
            }
        }

        ranges.clear()
        // The failregexes' subject: the whole line, or the prefregex's content.
        var subject = 0..<lineEnd
        var subjectIsContent = false
        if let headCode, let headMap, single, !lineHasLineFeed {
            switch scratch.run(headCode, in: buffer.bytes, ascii: bufferIsASCII) {
            case .matched: break
            case .limitExceeded: result.outcome = .tooComplex; return result
            case .noMatch: return result
            }
            headMap._withUnsafeGuaranteedRef { $0.read(scratch, offset: 0, into: ranges) }
            // The content: from the head's end to the line's end (see PrefregexHead).
            subject = scratch.range(ofGroup: 0)!.upperBound..<lineEnd
            subjectIsContent = true
        } else if let prefregex, let prefMap {
            switch scratch.match(prefregex.pattern, in: buffer.bytes, ascii: bufferIsASCII) {
            case .matched: break
            case .limitExceeded: result.outcome = .tooComplex; return result
            default: return result
            }
            prefMap.read(scratch, offset: 0, into: ranges)
            if ranges.isSet(CaptureSlots.content),
               let content = prefregex.content.lazy.compactMap({ self.scratch.range(ofGroup: $0) }).first {
                if content.upperBound == lineEnd - 1 {
                    // The content runs to the line's final newline: match it in place.
                    subject = content.lowerBound..<lineEnd
                } else {
                    buffer.appendCopy(of: content)
                    buffer.append(0x0A)
                    subject = lineEnd..<buffer.count
                }
                subjectIsContent = true
            }
            ranges.unset(CaptureSlots.content)
        }

        let index: Int
        switch firstFailregex(in: subject) {
        case .none: result.outcome = .tooComplex; return result
        case .some(.none): return result
        case .some(.some(let found)): index = found
        }
        var matchedLines = MatchedLines()
        // What the ignoreregexes see: the failregexes' subject, or the lines the match covered.
        var coveredLines: [UInt8]?
        if single || subjectIsContent {
            if keepsMatchedLines { matchedLines.append(FilterProcessor.text(original)) } else { matchedLines.appendWithoutText() }
            if !single { lineBuffer = [] }
        } else {
            let split = splitBuffer(regex: failregexes[index])
            for line in split.matched {
                if keepsMatchedLines { matchedLines.append(String(decoding: line.original, as: UTF8.self)) } else { matchedLines.appendWithoutText() }
            }
            let joined = ByteBuffer()
            FilterProcessor.join(split.matched, into: joined)
            coveredLines = joined.array()
            lineBuffer = split.unmatched
        }
        if !ignoreregexes.isEmpty {
            let found = coveredLines.map { lines in lines.withUnsafeBytes { firstIgnore(in: $0) } } ?? firstIgnore(in: buffer.slice(subject))
            switch found {
            case .some(.some(let ignoreIndex)): result.outcome = .ignored(ignoreIndex); return result
            case .none: result.outcome = .tooComplex; return result
            default: break
            }
        }
        result.outcome = .matched(index)
        if let mlfid = ranges.range(CaptureSlots.mlfid) {
            let data = mergeMultiLine(key: buffer.slice(mlfid), matchedLines: matchedLines)
            if data.isMarkedNoFailure { return result }
            if buildsFailures {
                result.failure = makeFailure(values: data.values, matches: data.matches, regexIndex: index, time: time)
                result.failed = result.failure != nil
            } else {
                result.failed = data.namesFailure
            }
            if !result.failed { data.pending = true }
        } else {
            if ranges.isSet(CaptureSlots.nofail) { return result }
            if buildsFailures {
                result.failure = makeFailure(values: capturedValues(), matches: matchedLines, regexIndex: index, time: time)
                result.failed = result.failure != nil
            } else {
                result.failed = FilterProcessor.namesFailure(ranges.hasValue)
            }
        }
        return result
    }

    /// The current captures, for a failure to keep. The storage is reused from line to
    /// line once the previous line's failure is gone.
    private func capturedValues() -> CaptureValues {
        lineValues.removeAll()
        storeCaptures(into: &lineValues)
        return lineValues
    }

    /// Writes the current captures over `values`; slots the line did not capture keep theirs.
    private func storeCaptures(into values: inout CaptureValues) {
        values.store(ranges, of: buffer.bytes)
    }

    /// The first failregex matching `subject` (its captures recorded in `ranges`); nil
    /// when a limit was hit.
    private func firstFailregex(in subject: Range<Int>) -> Int?? {
        let bytes = buffer.slice(subject)
        let offset = subject.lowerBound
        guard let dispatchRef, let dispatchLookup else { return firstFailregex(among: failregexes.indices, in: bytes, offset: offset) }
        var route = dispatchLookup.pointee.route(for: bytes)
        if route.kind == .unbuilt { route = dispatchRef._withUnsafeGuaranteedRef { $0.route(for: bytes) } }
        switch route.kind {
        case .none, .unbuilt:
            return .some(nil)
        case .single:
            switch scratch.run(route.code!, in: bytes, ascii: bufferIsASCII) {
            case .matched:
                failMapsRef._withUnsafeGuaranteedRef { $0.read(scratch, offset: offset, into: ranges, map: route.index) }
                return .some(route.index)
            case .limitExceeded: return nil
            case .noMatch: return .some(nil)
            }
        case .combined:
            switch scratch.run(route.code!, in: bytes, ascii: bufferIsASCII) {
            case .matched:
                return .some(route.combined!._withUnsafeGuaranteedRef { $0.readMatch(scratch, offset: offset, into: ranges) })
            case .limitExceeded: return nil
            case .noMatch: return .some(nil)
            }
        case .sequential:
            return firstFailregex(among: dispatchRef._withUnsafeGuaranteedRef { $0.sequences[route.index] }, in: bytes, offset: offset)
        }
    }

    private func firstFailregex<Indices: Collection<Int>>(among indices: Indices, in bytes: UnsafeRawBufferPointer, offset: Int) -> Int?? {
        for index in indices {
            switch scratch.run(failCodes[index], in: bytes, ascii: bufferIsASCII) {
            case .matched:
                failMapsRef._withUnsafeGuaranteedRef { $0.read(scratch, offset: offset, into: ranges, map: index) }
                return .some(index)
            case .limitExceeded: return nil
            case .noMatch: continue
            }
        }
        return .some(nil)
    }

    /// nil: a limit was hit; .some(nil): no ignoreregex matched.
    private func firstIgnore(in subject: UnsafeRawBufferPointer) -> Int?? {
        for (index, regex) in ignoreregexes.enumerated() {
            let outcome = scratch.match(regex.pattern, in: subject, ascii: bufferIsASCII)
            if outcome == .matched { return .some(index) }
            if outcome == .limitExceeded { return nil }
        }
        return .some(nil)
    }

    /// Whether captures (`has`: whether a slot holds a value) name a failure: an address,
    /// a host name or an id, as `makeFailure` requires.
    @inline(__always)
    private static func namesFailure(_ has: (Int) -> Bool) -> Bool {
        has(CaptureSlots.ip4) || has(CaptureSlots.ip6) || has(CaptureSlots.dns) || has(CaptureSlots.fid)
    }

    private func makeFailure(values: CaptureValues, matches: MatchedLines, regexIndex: Int, time: Double?) -> Failure? {
        var address: String?
        var id: String
        let fid = CaptureSlots.fid
        let hasFID = values.has(fid)
        let ipSlot = values.has(CaptureSlots.ip4) ? CaptureSlots.ip4 : values.has(CaptureSlots.ip6) ? CaptureSlots.ip6 : nil
        if let ipSlot {
            let isV6 = ipSlot == CaptureSlots.ip6
            var host = isV6 ? values.withBytes(ipSlot, Addresses.normalizeIPv6)! : values.string(ipSlot)!
            if let cidr = values.string(CaptureSlots.cidr).flatMap(Int.init), cidr < (isV6 ? 128 : 32) {
                host = Addresses.network(host, prefix: cidr) ?? host
            }
            if hasFID, !values.sameText(fid, ipSlot) { address = host; id = values.string(fid)! } else { id = host }
        } else if let dns = values.string(CaptureSlots.dns) {
            if hasFID, !values.sameText(fid, CaptureSlots.dns) { address = dns; id = values.string(fid)! } else { id = dns }
        } else if let fid = values.string(fid) {
            id = fid
        } else {
            return nil
        }
        return Failure(
            id: id, address: address, time: time, regexIndex: regexIndex,
            lines: matches.lines, attempts: matches.count, values: values, slots: slots
        )
    }

    /// fail2ban's merge of a line into the state of its multi-line id (`key`), with the
    /// line's captures in `ranges`.
    private func mergeMultiLine(key: UnsafeRawBufferPointer, matchedLines: MatchedLines) -> FailureData {
        let now = clock()
        var lookup = MultiLineCache.Lookup()
        let cached = multiLineCache.get(key, now: now, lookup: &lookup)
        var flags: MergeFlags = []
        if ranges.isSet(CaptureSlots.mlfgained) {
            flags.formUnion([.gained, .nofail])
            if !ranges.isSet(CaptureSlots.nofail) { ranges.set(CaptureSlots.nofail, ranges.range(CaptureSlots.mlfgained)!) }
        } else if ranges.isSet(CaptureSlots.nofail) {
            flags.insert(.nofail)
        }
        if ranges.isSet(CaptureSlots.mlfforget) { flags.insert(.forget) }
        ranges.unset(CaptureSlots.mlfforget)
        let line = buffer.bytes
        let fail: FailureData
        if let cached {
            cached.absorb(ranges, of: line, flags: &flags)
            fail = cached
            if flags.contains(.forget) { multiLineCache.remove(lookup) }
        } else {
            if let reused = multiLineCache.reusableData() {
                fail = reused
            } else {
                fail = FailureData(values: CaptureValues(count: ranges.count))
            }
            fail.start(ranges, of: line, keepsUser: !flags.contains(.forget))
            if flags.contains(.forget) {
                multiLineCache.recycle(fail)
            } else {
                multiLineCache.insert(key, fail, lookup: lookup, now: now)
            }
        }
        fail.settle(flags, matchedLines: matchedLines)
        return fail
    }

    // MARK: - Multi-line buffers

    static func join(_ lines: [SplitLine], into out: ByteBuffer) {
        for line in lines { out.append(line.text); out.append(0x0A) }
    }

    static func text(_ bytes: UnsafeRawBufferPointer) -> String { String(decoding: bytes, as: UTF8.self) }

    /// Splits the buffered lines into those the match covered (less `<SKIPLINES>`) and the rest.
    private func splitBuffer(regex: FilterRegex) -> (matched: [SplitLine], unmatched: [SplitLine]) {
        guard let whole = scratch.range(ofGroup: 0) else { return ([], lineBuffer) }
        let joined = buffer.array()
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
