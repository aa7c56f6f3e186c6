import BailiffConfig
import OrderedCollections

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
    let maxLines: Int
    let scratch = MatchScratch()
    let clock: @Sendable () -> Double

    /// A line with the date text split out: regexes see `head + tail`.
    struct SplitLine {
        var text: [UInt8]       // head + tail
        var original: [UInt8]   // the full line
    }
    private var lineBuffer: [SplitLine] = []
    private var lastDate: Double?
    private var multiLineCache = OrderedDictionary<String, (expires: Double, data: FailureData)>()
    static let multiLineCacheSize = 100
    static let multiLineCacheSeconds = 300.0

    /// Reused buffers, so a line that matches nothing allocates nothing.
    private var buffer: [UInt8] = []
    private var contentBuffer: [UInt8] = []

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
        UTF8Repair.append(UnsafeRawBufferPointer(rebasing: line[0..<dateRange.lowerBound]), to: &buffer)
        UTF8Repair.append(UnsafeRawBufferPointer(rebasing: line[dateRange.upperBound...]), to: &buffer)
        return findFailures(original: line, time: time)
    }

    /// Processes a line whose time is known (a journal entry): no date is searched.
    public func process(line: UnsafeRawBufferPointer, time: Double) -> LineResult {
        lastDate = time
        buffer.removeAll(keepingCapacity: true)
        UTF8Repair.append(line, to: &buffer)
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
            lineBuffer.append(SplitLine(text: buffer, original: Array(original)))
            if lineBuffer.count > maxLines { lineBuffer.removeFirst(lineBuffer.count - maxLines) }
            buffer = FilterProcessor.join(lineBuffer)
        }

        // Few ignoreregexes: test them once on the whole line before anything else.
        if !ignoreregexes.isEmpty, ignoreregexes.count < failregexes.count - 2 {
            switch firstIgnore(in: buffer) {
            case .some(.some(let index)): result.outcome = .ignored(index); return result
            case .none: result.outcome = .tooComplex; return result
            default: break
            }
        }

        var preValues: [String: String] = [:]
        var subjectIsContent = false
        if let prefregex {
            let outcome = buffer.withUnsafeBytes { scratch.match(prefregex.pattern, in: $0) }
            switch outcome {
            case .matched: break
            case .limitExceeded: result.outcome = .tooComplex; return result
            default: return result
            }
            preValues = prefregex.captures(scratch)
            if let content = preValues.removeValue(forKey: "content"), !content.isEmpty,
               let range = prefregex.content.lazy.compactMap({ self.scratch.range(ofGroup: $0) }).first {
                contentBuffer.removeAll(keepingCapacity: true)
                contentBuffer.append(contentsOf: buffer[range])
                contentBuffer.append(0x0A)
                subjectIsContent = true
            }
        }

        for (index, regex) in failregexes.enumerated() {
            let outcome = (subjectIsContent ? contentBuffer : buffer).withUnsafeBytes { scratch.match(regex.pattern, in: $0) }
            switch outcome {
            case .matched: break
            case .limitExceeded: result.outcome = .tooComplex; return result
            default: continue
            }
            var values = regex.captures(scratch)
            let matchedLines: [String]
            var ignoreSubject = subjectIsContent ? contentBuffer : buffer
            if single || subjectIsContent {
                matchedLines = [FilterProcessor.text(original)]
                if !single { lineBuffer = [] }
            } else {
                let split = splitBuffer(regex: regex)
                matchedLines = split.matched.map { String(decoding: $0.original, as: UTF8.self) }
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
            if !preValues.isEmpty {
                var merged = preValues
                for (key, value) in values { merged[key] = value }
                values = merged
            }
            let data: FailureData
            if let mlfid = values["mlfid"] {
                data = mergeMultiLine(mlfid, values: values, matchedLines: matchedLines, time: time)
                if let nofail = data.values["nofail"], !nofail.isEmpty { return result }
            } else {
                data = FailureData(values: values)
                data.matches = matchedLines
                if let nofail = values["nofail"], !nofail.isEmpty { return result }
            }
            guard let failure = makeFailure(data, regexIndex: index, time: time) else {
                data.pending = true
                return result
            }
            result.failures.append(failure)
            return result
        }
        return result
    }

    /// nil: a limit was hit; .some(nil): no ignoreregex matched.
    private func firstIgnore(in subject: [UInt8]) -> Int?? {
        for (index, regex) in ignoreregexes.enumerated() {
            let outcome = subject.withUnsafeBytes { scratch.match(regex.pattern, in: $0) }
            if outcome == .matched { return .some(index) }
            if outcome == .limitExceeded { return nil }
        }
        return .some(nil)
    }

    private func makeFailure(_ data: FailureData, regexIndex: Int, time: Double?) -> Failure? {
        let values = data.values
        var address: String?
        var id: String
        if let ip = values["ip4"] ?? values["ip6"] {
            let isV6 = values["ip4"] == nil
            var host = isV6 ? Addresses.normalizeIPv6(ip) : ip
            if let cidr = values["cidr"].flatMap(Int.init), cidr < (isV6 ? 128 : 32) {
                host = Addresses.network(host, prefix: cidr) ?? host
            }
            if let fid = values["fid"], fid != ip {
                address = host
                id = fid
            } else {
                id = host
            }
        } else if let dns = values["dns"] {
            if let fid = values["fid"], fid != dns { address = dns; id = fid } else { id = dns }
        } else if let fid = values["fid"] {
            id = fid
        } else {
            return nil
        }
        var captures = values
        for key in ["mlfid", "nofail", "mlfforget", "mlfgained", "mlfpending"] { captures.removeValue(forKey: key) }
        return Failure(
            id: id, address: address, time: time, regexIndex: regexIndex, captures: captures,
            users: data.users ?? [], lines: data.matches ?? []
        )
    }

    /// fail2ban's merge of a line into the state of its multi-line id.
    private func mergeMultiLine(_ mlfid: String, values: [String: String], matchedLines: [String], time: Double?) -> FailureData {
        let now = clock()
        var cached: FailureData?
        if let entry = multiLineCache[mlfid] {
            if entry.expires > now { cached = entry.data } else { multiLineCache.removeValue(forKey: mlfid) }
        }
        var fail = FailureData(values: values)
        var flags = 0
        let nofailFlag = 1, forgetFlag = 2, cachedNofailFlag = 4, gainedFlag = 8
        if let gained = fail.values["mlfgained"], !gained.isEmpty {
            flags |= gainedFlag | nofailFlag
            if (fail.values["nofail"] ?? "").isEmpty { fail.values["nofail"] = gained }
        } else if let nofail = fail.values["nofail"], !nofail.isEmpty {
            flags |= nofailFlag
        }
        if let forget = fail.removeValue("mlfforget"), !forget.isEmpty { flags |= forgetFlag }
        var users: Set<String>?
        if let cached {
            users = cached.addUser(fail.values["user"])
            if let value = cached.removeValue("nofail"), !value.isEmpty { flags |= cachedNofailFlag }
            if let value = cached.removeValue("mlfgained"), !value.isEmpty { flags |= cachedNofailFlag }
            if flags & gainedFlag != 0 { cached.pending = false }
            if flags & cachedNofailFlag == 0, !cached.pending { cached.matches = nil }
            for (key, value) in fail.values { cached.values[key] = value }
            fail = cached
            if flags & forgetFlag != 0 { multiLineCache.removeValue(forKey: mlfid) }
        } else if flags & forgetFlag == 0 {
            users = fail.addUser(fail.values["user"])
            storeMultiLine(mlfid, fail, now: now)
        }
        let wasPending = fail.pending
        fail.pending = false
        if wasPending || (users?.count ?? 0) > 1 {
            fail.values.removeValue(forKey: "nofail")
            fail.values.removeValue(forKey: "mlfgained")
            flags &= ~(gainedFlag | nofailFlag)
        }
        if flags & nofailFlag == 0 {
            var lines = fail.nofailMatches ?? []
            fail.nofailMatches = nil
            lines += fail.matches ?? []
            if flags & gainedFlag == 0 { lines += matchedLines }
            fail.matches = lines
        } else if flags & (nofailFlag | forgetFlag) == nofailFlag {
            fail.nofailMatches = (fail.nofailMatches ?? []) + matchedLines
        }
        return fail
    }

    private func storeMultiLine(_ mlfid: String, _ data: FailureData, now: Double) {
        if multiLineCache.count >= FilterProcessor.multiLineCacheSize {
            // Oldest first; stop once an unexpired entry leaves room.
            while let first = multiLineCache.elements.first {
                multiLineCache.removeFirst()
                if first.value.expires > now, multiLineCache.count < FilterProcessor.multiLineCacheSize { break }
            }
        }
        multiLineCache[mlfid] = (now + FilterProcessor.multiLineCacheSeconds, data)
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
