import Glibc

/// Where the date of a log line is, and when it was.
public struct DateMatch: Sendable, Equatable {
    /// Byte range of the date text within the line; empty for `{NONE}` (no date expected).
    public let range: Range<Int>
    /// Seconds since the epoch (with fractional seconds); nil when the text matched a template
    /// but is not a valid date, or for `{NONE}`.
    public let time: Double?
}

/// Finds and converts the date of log lines the way fail2ban's date detector does, for one
/// filter: the same templates (`datepattern`, or the default set), tried in the same order,
/// including fail2ban's habit of trying the last successful template first and moving
/// successful templates towards the front, so that it settles on the same template fail2ban
/// would. Common formats (syslog, ISO 8601, web-server) are matched by hand-written byte
/// matchers that give the regex's exact result; everything else runs PCRE2.
///
/// Not thread-safe: one per filter instance, used from one thread.
public final class DateDetector {
    private struct Entry {
        let template: DateTemplate
        let anchored: Bool
        let fast: FastDateMatcher?
        var hits = 0
        var lastUsed = 0.0
        /// Character offset of the template's last match.
        var distance = 0x7fff_ffff
        /// Successful searches with this template (winning or not).
        var searchHits = 0

        var weight: Double { Double(hits) * template.weight / Double(max(1, distance)) }

        init(template: DateTemplate) {
            self.template = template
            anchored = template.isAnchored
            fast = template.fast
        }

        @inline(__always)
        mutating func recordWin(distance: Int, at time: Double) {
            hits += 1
            lastUsed = time
            self.distance = distance
        }

        /// A search won at the line start: one write access, so the entries are checked for
        /// uniqueness once per line rather than per field.
        @inline(__always)
        mutating func recordSearchWinAtStart(at time: Double) {
            searchHits += 1
            recordWin(distance: 0, at: time)
        }
    }

    /// A template's match on the current line.
    private struct Found {
        private var storedEntry: Int32
        private var storedStart: Int32
        private var storedEnd: Int32
        private var storedDateStart: Int32
        private var storedDateEnd: Int32
        private var storedSearchFrom: Int32
        private var storedSearchTo: Int32
        /// Regex run that produced it (0: a fast matcher, whose fields are in `parsed`).
        var serial: Int
        private var parsed: DateFields
        private var hasFields: Bool

        init(entry: Int, start: Int, end: Int, dateStart: Int, dateEnd: Int, fields: DateFields?, searchFrom: Int, searchTo: Int, serial: Int) {
            storedEntry = Int32(entry)
            storedStart = Int32(truncatingIfNeeded: start)
            storedEnd = Int32(truncatingIfNeeded: end)
            storedDateStart = Int32(truncatingIfNeeded: dateStart)
            storedDateEnd = Int32(truncatingIfNeeded: dateEnd)
            storedSearchFrom = Int32(truncatingIfNeeded: searchFrom)
            storedSearchTo = Int32(truncatingIfNeeded: searchTo)
            self.serial = serial
            parsed = fields ?? DateFields()
            hasFields = fields != nil
        }

        var entry: Int { get { Int(storedEntry) } set { storedEntry = Int32(newValue) } }
        var start: Int { Int(storedStart) }
        var end: Int { Int(storedEnd) }
        var dateStart: Int { Int(storedDateStart) }
        var dateEnd: Int { Int(storedDateEnd) }
        var searchFrom: Int { Int(storedSearchFrom) }
        var searchTo: Int { Int(storedSearchTo) }
        var fields: DateFields? { hasFields ? parsed : nil }
    }

    private var entries: [Entry] = []
    private var knownNames: Set<String> = []
    private var lastTemplateIndex = Int.max
    private var firstUnused = 0
    /// Character offset where the last date started, and the characters before and at it.
    private var lastStart = (position: 1, before: LinePositions.none, at: LinePositions.none)
    /// Character offset where the last date ended, and the characters before and at it.
    private var lastEnd = (position: 0x7fff_ffff, before: LinePositions.none, at: LinePositions.none)
    private var converter: DateConverter
    private let factory: DateTemplateFactory
    private let defaults: DefaultDateTemplates
    private var regexSerial = 0
    private var sameStart = SameStartCache()
    /// A zero byte for empty lines to point at, so every line takes the same single call.
    private let emptyLine: UnsafeMutablePointer<UInt8> = {
        let byte = UnsafeMutablePointer<UInt8>.allocate(capacity: 1)
        byte.initialize(to: 0)
        return byte
    }()
    /// Seconds a template may stay unused before another may take its place regardless of weight.
    private let unusedTime = 300.0

    deinit { emptyLine.deallocate() }

    /// - Parameters:
    ///   - datePattern: the filter's `datepattern` (several lines give several templates); nil
    ///     for fail2ban's default templates. Keywords: `{^LN-BEG}` (default templates bound to
    ///     the line start), `{DEFAULT}`, `{NONE}` (no date expected), `EPOCH`, `LEPOCH`,
    ///     `TAI64N`, and `{DATE}` inside a regex (each default template in its place).
    ///   - logTimeZone: the filter's `logtimezone` (`UTC+0200`, `CET`, `-04:00`, ...), used for
    ///     dates without an explicit zone; nil for the local time zone (`TZ`).
    ///   - now: the current time, for dates without a year or without a day.
    public init(datePattern: String? = nil, logTimeZone: String? = nil, now: @escaping @Sendable () -> Double) throws {
        var zone: Int?
        if let logTimeZone {
            guard let minutes = TimeZoneOffsets.minutes(forZone: logTimeZone.trimmingPythonWhitespace()) else {
                throw DatePatternError(pattern: logTimeZone, reason: "unknown or unsupported time zone for logtimezone (expected [ABBR][+-]hh[:]mm, such as UTC+0200, CET or -04:00)")
            }
            zone = minutes
        }
        converter = DateConverter(now: now, defaultZoneMinutes: zone)
        let shared = try DateDetector.sharedDefaults.get()
        factory = shared.factory
        defaults = shared.templates
        if let datePattern {
            let lines = datePattern.split(whereSeparator: { $0 == "\n" || $0 == "\r\n" })
                .map { String($0).trimmingPythonWhitespace() }
                .filter { !$0.isEmpty }
            for line in lines { try append(pattern: line) }
        }
        if entries.isEmpty { try addDefaults(lineStartOnly: false, preMatch: nil) }
    }

    /// The default templates, built once per process (their `%ExY` years follow the clock at
    /// that moment, as in fail2ban).
    private static let sharedDefaults: Result<(factory: DateTemplateFactory, templates: DefaultDateTemplates), DatePatternError> = {
        let factory = DateTemplateFactory(translator: DatePatternTranslator(currentYear: currentYear()))
        return Result { () throws(DatePatternError) in (factory, try DefaultDateTemplates(factory: factory)) }
    }()

    private static func currentYear() -> Int {
        let now = LocalTimeConverter.coarseWallClock()
        let naive = Int(now) + LocalTimeConverter.offset(at: Int(now))
        return CivilCalendar.civilDate(dayNumber: CivilCalendar.floorDiv(naive, 86_400)).year
    }

    // MARK: templates

    private func append(pattern: String) throws(DatePatternError) {
        let key = pattern.contains("%") ? pattern : pattern.uppercased()
        switch key {
        case "{^LN-BEG}": try addDefaults(lineStartOnly: true, preMatch: nil)
        case "{DEFAULT}": try addDefaults(lineStartOnly: false, preMatch: nil)
        case _ where key.contains("{DATE}"): try addDefaults(lineStartOnly: false, preMatch: pattern)
        case "{NONE}": try append(factory.strptime("{UNB}^"), ignoreDuplicate: false)
        default: try append(factory.template(forPattern: pattern), ignoreDuplicate: false)
        }
    }

    private func addDefaults(lineStartOnly: Bool, preMatch: String?) throws(DatePatternError) {
        let ignoreDuplicate = !entries.isEmpty
        for template in preMatch == nil ? defaults.all : defaults.plain {
            if lineStartOnly && !template.flags.contains(.lineBegin) { continue }
            if let preMatch {
                try append(DefaultDateTemplates.embedded(template, in: preMatch, factory: factory), ignoreDuplicate: ignoreDuplicate)
            } else {
                try append(template, ignoreDuplicate: ignoreDuplicate)
            }
        }
    }

    private func append(_ template: DateTemplate, ignoreDuplicate: Bool) throws(DatePatternError) {
        if knownNames.contains(template.name) {
            if ignoreDuplicate { return }
            throw DatePatternError(pattern: template.pattern ?? template.name, reason: "there is already a template with name \(template.name)")
        }
        knownNames.insert(template.name)
        entries.append(Entry(template: template))
    }

    /// Names of the templates in their current order.
    var templateNames: [String] { entries.map(\.template.name) }
    /// Regexes (fail2ban dialect) of the templates in their current order.
    var templateRegexes: [String] { entries.map(\.template.regex) }
    /// The templates in their current order.
    var templates: [DateTemplate] { entries.map(\.template) }

    // MARK: matching

    /// Finds the date of one log line.
    /// - Returns: nil when no template matches.
    public func match(_ line: UnsafeRawBufferPointer, scratch: MatchScratch) -> DateMatch? {
        let count = line.count
        guard count < Int(Int32.max) else { return nil }
        let base = count > 0 ? line.baseAddress!.assumingMemoryBound(to: UInt8.self) : UnsafePointer(emptyLine)
        return match(base: base, count: count, scratch: scratch)
    }

    /// Inlined into its one caller: a call layer less per line.
    @inline(__always)
    private func match(base: UnsafePointer<UInt8>, count: Int, scratch: MatchScratch) -> DateMatch? {
        var lastTemplateFailed = false
        let last = lastTemplateIndex
        if let dateRange = sameStart.match(base, count: count, template: last) {
            // Consecutive lines often share their date text: same bytes, same match, and the
            // fields the converter saw last.
            recordFastWin(last)
            return DateMatch(range: dateRange, time: converter.epochSecondsOfLastFields())
        }
        if last < entries.count, entries[last].anchored, let fast = entries[last].fast {
            // The usual case: the template of the previous line, bound to the line start and
            // matched by hand, finds the date again. It stays where it is.
            var reach = 0
            switch fast.match(base, count: count, reach: &reach) {
            case .match(let found):
                sameStart.remember(base, reach: reach, template: last, dateRange: found.dateStart..<found.matchEnd)
                recordFastWin(last)
                return DateMatch(range: found.dateStart..<found.matchEnd, time: converter.epochSeconds(found.fields))
            case .noMatch:
                lastTemplateFailed = true
            case .unknown:
                break
            }
        }
        // Templates may move: the remembered match names one by its place.
        sameStart.forget()
        guard let found = matchTime(base: base, count: count, scratch: scratch, lastTemplateFailed: lastTemplateFailed) else { return nil }
        guard found.dateStart >= 0, found.dateEnd > found.dateStart else {
            let position = max(0, found.dateStart)
            return DateMatch(range: position..<position, time: nil)
        }
        let range = found.dateStart..<found.dateEnd
        if let fields = found.fields {
            return DateMatch(range: range, time: converter.epochSeconds(fields))
        }
        let template = entries[found.entry].template
        if found.serial != regexSerial {
            // Another template ran since: bring this template's groups back.
            let subject = UnsafeRawBufferPointer(start: base, count: found.searchTo)
            guard scratch.match(template.compiled, in: subject, from: found.searchFrom) == .matched else {
                return DateMatch(range: range, time: nil)
            }
        }
        return DateMatch(range: range, time: time(of: template, base: base, scratch: scratch))
    }

    /// Bookkeeping of a win by the anchored template of the previous line, found by hand.
    @inline(__always)
    private func recordFastWin(_ index: Int) {
        entries[index].recordSearchWinAtStart(at: LocalTimeConverter.coarseWallClock())
        if firstUnused == index { firstUnused += 1 }
        lastStart.position = 0
    }

    private func time(of template: DateTemplate, base: UnsafePointer<UInt8>, scratch: MatchScratch) -> Double? {
        func text(_ group: Int) -> UnsafeBufferPointer<UInt8>? {
            guard let range = scratch.range(ofGroup: group) else { return nil }
            return UnsafeBufferPointer(start: base + range.lowerBound, count: range.count)
        }
        switch template.kind {
        case .fields(let groups, let ampm):
            return converter.epochSeconds(DateFieldReader.read(groups: groups, ampmGroupPresent: ampm, text: text))
        case .epoch(let group, let long):
            guard let value = text(group) else { return nil }
            let string = DateDetector.asciiDigits(value)
            guard var seconds = Double(string) else { return nil }
            let length = string.unicodeScalars.count
            if long && length >= 13 {
                seconds /= (length >= 16 && !string.contains(".")) ? 1_000_000 : 1000
            }
            return seconds
        case .tai64n:
            guard let value = text(1), value.count >= 17 else { return nil }
            let hex = String(decoding: UnsafeBufferPointer(rebasing: value[2..<17]), as: UTF8.self)
            return Int(hex, radix: 16).map(Double.init)
        }
    }

    /// The number text with digits of any script turned into ASCII digits.
    private static func asciiDigits(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        let text = String(decoding: bytes, as: UTF8.self)
        if bytes.allSatisfy({ $0 < 0x80 }) { return text }
        var out = ""
        for scalar in text.unicodeScalars {
            if scalar.properties.numericType == .decimal, let value = scalar.properties.numericValue {
                out.append(String(Int(value)))
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// One template's search over the line, or over `[from, to)` of it.
    @inline(__always)
    private func search(_ index: Int, base: UnsafePointer<UInt8>, count: Int, from: Int = 0, to: Int? = nil, scratch: MatchScratch) -> Found? {
        let end = to ?? count
        if from == 0 && end == count, let fast = entries[index].fast {
            switch fast.match(base, count: count) {
            case .match(let found):
                entries[index].searchHits += 1
                return Found(entry: index, start: found.matchStart, end: found.matchEnd, dateStart: found.dateStart,
                             dateEnd: found.matchEnd, fields: found.fields, searchFrom: 0, searchTo: count, serial: 0)
            case .noMatch:
                return nil
            case .unknown:
                break
            }
        }
        guard from <= end else { return nil }
        regexSerial += 1
        let subject = UnsafeRawBufferPointer(start: base, count: end)
        guard scratch.match(entries[index].template.compiled, in: subject, from: from) == .matched,
              let whole = scratch.range(ofGroup: 0)
        else { return nil }
        entries[index].searchHits += 1
        let date = scratch.range(ofGroup: 1)
        return Found(entry: index, start: whole.lowerBound, end: whole.upperBound,
                     dateStart: date?.lowerBound ?? -1, dateEnd: date?.upperBound ?? -1,
                     fields: nil, searchFrom: from, searchTo: end, serial: regexSerial)
    }

    /// fail2ban's template selection for one line.
    private func matchTime(base: UnsafePointer<UInt8>, count: Int, scratch: MatchScratch, lastTemplateFailed: Bool) -> Found? {
        let positions = LinePositions(base: base, count: count)
        var match: Found?
        var reserve: (found: Found, distance: Int)?
        var skipInSearch = Int.max
        var index = lastTemplateIndex

        if index < entries.count {
            let anchored = entries[index].anchored
            if anchored {
                if !lastTemplateFailed { match = search(index, base: base, count: count, scratch: scratch) }
                skipInSearch = index
            } else {
                // Same surroundings as last time: search only where the date was.
                let startByte = positions.byteOffset(ofChar: lastStart.position)
                let endByte = positions.byteOffset(ofChar: lastEnd.position)
                let startChar = startByte.map { positions.char(at: $0) } ?? LinePositions.none
                let beforeStart = startByte.map { lastStart.position >= 1 ? positions.char(before: $0) : LinePositions.none } ?? LinePositions.none
                let atEnd = endByte.map { positions.char(at: $0) } ?? LinePositions.none
                let beforeEnd = endByte.map { lastEnd.position >= 1 ? positions.char(before: $0) : LinePositions.none } ?? LinePositions.none
                let leftSame = beforeStart == lastStart.before
                    || (startChar == lastStart.at && !LinePositions.isAlphanumeric(lastStart.at))
                let rightSame = atEnd == lastEnd.at
                    || (beforeEnd == lastEnd.before && !LinePositions.isAlphanumeric(lastEnd.before))
                if leftSame && rightSame {
                    match = search(index, base: base, count: count, from: startByte ?? count, to: endByte ?? count, scratch: scratch)
                } else {
                    match = search(index, base: base, count: count, scratch: scratch)
                    skipInSearch = index
                }
            }
            if let found = match, !anchored, entries.count > 1 {
                let distance = positions.charIndex(ofByte: found.start)
                let end = positions.charIndex(ofByte: found.end)
                if !(distance == lastStart.position && end == lastEnd.position) {
                    reserve = (found, distance)
                    match = nil
                }
            }
        }

        if match == nil {
            index = 0
            while index < entries.count {
                if index == skipInSearch { index += 1; continue }
                guard let found = search(index, base: base, count: count, scratch: scratch) else { index += 1; continue }
                match = found
                if index + 1 >= entries.count { break }
                if entries[index].anchored { break }
                let distance = positions.charIndex(ofByte: found.start)
                if distance == 0 && entries[index].hits > 0 && entries[index + 1].searchHits == 0 { break }
                if distance > entries[index].distance || distance > lastStart.position {
                    // Perhaps a date-like text in the message: keep the nearest, look further.
                    if distance < (reserve?.distance ?? 0x7fff_ffff) { reserve = (found, distance) }
                    match = nil
                    index += 1
                    continue
                }
                break
            }
            if match == nil, let reserve {
                match = reserve.found
                index = reserve.found.entry
            }
        }

        guard let found = match else { return nil }
        index = found.entry
        let distance = found.start == 0 ? 0 : positions.charIndex(ofByte: found.start)
        entries[index].recordWin(distance: distance, at: LocalTimeConverter.coarseWallClock())
        if firstUnused == index { firstUnused += 1 }
        if entries[index].anchored {
            // Only the start position is ever consulted after an anchored template won: the
            // surroundings are read only when the last winner was not anchored.
            lastStart.position = distance
        } else {
            lastStart = (distance, positions.char(before: found.start), positions.char(at: found.start))
            // The character before the end, with Python's index semantics: at 0 that is the last one.
            let beforeEnd = found.end > 0 ? positions.char(before: found.end) : positions.char(before: count)
            lastEnd = (positions.charIndex(ofByte: found.end), beforeEnd, positions.char(at: found.end))
        }
        var result = found
        if index != 0 && index != lastTemplateIndex {
            let moved = reorder(index)
            result.entry = moved
            index = moved
        }
        lastTemplateIndex = index
        return result
    }

    /// Moves a successful template towards the front (to the first unused place, or half-way),
    /// if it weighs more than the one there or that one has not been used for a while.
    private func reorder(_ index: Int) -> Int {
        guard index > 0 else { return index }
        let entry = entries[index]
        let staleBefore = entry.lastUsed - unusedTime
        let weight = entry.weight
        var target = firstUnused < index ? firstUnused : index / 2
        func movable(_ position: Int) -> Bool {
            weight > entries[position].weight || staleBefore > entries[position].lastUsed
        }
        if !movable(target) {
            if target == index - 1 { return index }
            target = index - 1
            if !movable(target) { return index }
        }
        entries.remove(at: index)
        entries.insert(entry, at: target)
        while firstUnused < entries.count && entries[firstUnused].hits > 0 { firstUnused += 1 }
        return target
    }
}

/// The last fast match and the leading bytes that decided it: a line starting with the same
/// bytes has the same match (and the same fields), without parsing it again.
private struct SameStartCache {
    private typealias Bytes = (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64)
    private var bytes: Bytes = (0, 0, 0, 0, 0, 0, 0, 0)
    private var reach = -1
    private var template = -1
    private var dateRange = 0..<0

    /// The date's range when the line starts as the remembered one did and `template` (the
    /// template the line is tried with first) is the one that matched it.
    ///
    /// Mutating only to read the stored bytes in place rather than from a copy.
    @inline(__always)
    mutating func match(_ base: UnsafePointer<UInt8>, count: Int, template: Int) -> Range<Int>? {
        guard template == self.template, reach <= count else { return nil }
        let reach = self.reach
        let same = withUnsafeBytes(of: &bytes) { stored -> Bool in
            // A date is a few words long: compare inline, a word at a time.
            let line = UnsafeRawPointer(base)
            var index = 0
            while index + 8 <= reach {
                if stored.loadUnaligned(fromByteOffset: index, as: UInt64.self) != line.loadUnaligned(fromByteOffset: index, as: UInt64.self) {
                    return false
                }
                index += 8
            }
            if index < reach && reach >= 8 {
                // The last few bytes, as the word ending at `reach` (overlapping the last one).
                let last = reach - 8
                return stored.loadUnaligned(fromByteOffset: last, as: UInt64.self) == line.loadUnaligned(fromByteOffset: last, as: UInt64.self)
            }
            while index < reach {
                if stored[index] != line.load(fromByteOffset: index, as: UInt8.self) { return false }
                index += 1
            }
            return true
        }
        return same ? dateRange : nil
    }

    mutating func remember(_ base: UnsafePointer<UInt8>, reach: Int, template: Int, dateRange: Range<Int>) {
        guard reach > 0, reach <= MemoryLayout<Bytes>.size else { forget(); return }
        withUnsafeMutableBytes(of: &bytes) { _ = memcpy($0.baseAddress!, base, reach) }
        self.reach = reach
        self.template = template
        self.dateRange = dateRange
    }

    @inline(__always)
    mutating func forget() { template = -1 }
}
