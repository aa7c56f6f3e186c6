import BailiffConfig
import BailiffNetwork
import BailiffFilter
import BailiffJournal

/// A ban decision of one jail, with the journal entries behind it.
public struct JailDecision: Sendable {
    public let jail: String
    public let decision: BanDecision<EntryReference>
    /// Cursors of the entries whose failures made the decision, oldest first.
    public let cursors: [String]
    /// Cursor of the entry whose failure completed the window.
    public let triggerCursor: String
}

/// Where reading started.
public enum StartPoint: Equatable, Sendable {
    /// Right after the saved cursor's entry.
    case afterCursor(String)
    /// The saved cursor's entry is gone (vacuumed): at the next entry in time.
    case cursorEntryGone(String)
    /// No usable cursor: at this time (seconds since the epoch).
    case time(Double)
    /// At the oldest entry.
    case head
}

/// One journal reader serving every jail: each entry goes to the jails whose journalmatch
/// it satisfies, through their filters into their failure windows, and ban decisions come
/// out. The cursor of the last entry fully processed is saved in the state directory, so a
/// restart continues right after it: every entry is acted on exactly once.
///
/// On start with a cursor, the windows are first rebuilt by replaying the entries of the
/// last `findtime` before it, without acting. Failures an earlier decision used up (up to
/// its trigger entry, known from the decisions file) are not counted again, and a decision
/// already recorded is not made twice.
///
/// Entries are read ahead on a thread of their own (`JournalReadAhead`) while this object
/// filters and counts them on the thread that made it; the cursor saved is always that of
/// the last entry this thread has fully processed, never one only read ahead.
///
/// Not thread-safe: it belongs to the thread that made it.
public final class JournalPipeline {
    public struct Options: Sendable {
        public var source: JournalSource
        /// Where the cursor and decisions files live; nil keeps nothing (a dry look).
        public var stateDirectory: String?
        /// Where to start without a cursor (seconds since the epoch); nil means `now - findtime`.
        public var startTime: Double?
        /// How much older than the journal's receive time a failure's own time may be
        /// (`_SOURCE_REALTIME_TIMESTAMP` lags reception); widens the replay.
        public var lateness: Double
        /// The wall clock.
        public var now: @Sendable () -> Double

        public init(
            source: JournalSource = .system, stateDirectory: String? = nil, startTime: Double? = nil, lateness: Double = 60,
            now: @escaping @Sendable () -> Double
        ) {
            self.source = source
            self.stateDirectory = stateDirectory
            self.startTime = startTime
            self.lateness = lateness
            self.now = now
        }
    }

    public private(set) var jails: [PipelineJail]
    private let journal: JournalReadAhead
    /// Problems worth a warning found while building the jails or starting.
    public private(set) var warnings: [String] = []
    public let options: Options
    /// Entries read since start, replay included.
    public private(set) var entriesRead = 0

    private var matches: JournalMatchSet
    private let cursorFile: CursorFile?
    private let decisionLog: DecisionLog?
    private let clock = EntryClock()
    private var references = EntryReferenceTable()
    private var line: [UInt8] = []
    private var longestFindtime: Double

    /// Decisions young enough to matter for a restart, their triggers held compactly; kept
    /// only with a decisions file (without one there is no restart to guard).
    private var recentDecisions: [HeldDecision] = []
    private var decisionsChanged = false
    /// The trigger entry of every recent decision: a decision made again after a crash
    /// (its entries came after the saved cursor) is recognised and not repeated.
    private var knownTriggers: Set<HeldDecision.Trigger> = []
    /// During the replay: per jail, per id, the trigger entry of its last decision.
    private var usedUpUntil: [[String: EntryReference]] = []
    private var replaying = false
    private var processedSinceCommit = false
    private var newestTime = 0.0

    /// The batch being processed and the index of its next entry.
    private var batch: JournalBatch?
    private var position = 0
    /// Cursor of the last entry processed, as bytes; nil before the first.
    private var lastCursor: [UInt8]?
    /// Where `start()` put the reader, to go back to when nothing was processed yet.
    private var startPosition: ReadPosition = .head

    /// A place to (re)start reading from.
    private enum ReadPosition: Sendable {
        case head
        case time(Double)
        case afterCursor(String)
    }

    public init(jails definitions: [JailDefinition], options: Options) throws(ConfigError) {
        self.options = options
        let localAddresses = try? LocalAddresses.current()
        var warnings: [String] = []
        var jails: [PipelineJail] = []
        for definition in definitions where definition.enabled {
            jails.append(try PipelineJail(definition: definition, clock: clock, localAddresses: localAddresses, warnings: &warnings))
        }
        self.jails = jails
        self.warnings = warnings
        longestFindtime = jails.map(\.definition.findtime).max() ?? 600
        matches = JournalMatchSet(jails.map(\.match))
        do {
            journal = try JournalReadAhead(source: options.source, matches: matches)
        } catch {
            throw ConfigError("cannot open \(options.source): \(error)")
        }
        if let directory = options.stateDirectory {
            cursorFile = CursorFile(path: directory + "/cursor")
            decisionLog = DecisionLog(path: directory + "/decisions")
        } else {
            cursorFile = nil
            decisionLog = nil
        }
    }

    // MARK: - Reload

    /// Jails built from a new configuration, ready to replace the running ones.
    public struct Reconfiguration {
        fileprivate let jails: [PipelineJail]
        fileprivate let matches: JournalMatchSet
        public let warnings: [String]
    }

    /// Builds and checks the jails of `definitions`. Changes nothing; throws on the first problem.
    public func prepare(_ definitions: [JailDefinition]) throws(ConfigError) -> Reconfiguration {
        let localAddresses = try? LocalAddresses.current()
        var warnings: [String] = []
        var built: [PipelineJail] = []
        for definition in definitions where definition.enabled {
            built.append(try PipelineJail(definition: definition, clock: clock, localAddresses: localAddresses, warnings: &warnings))
        }
        return Reconfiguration(jails: built, matches: JournalMatchSet(built.map(\.match)), warnings: warnings)
    }

    /// Switches to the prepared jails. A jail that was already running keeps its failure
    /// windows and counters, under its new maxretry, findtime and ignore list; reading goes
    /// on after the last entry processed, through the new journal matches.
    public func apply(_ reconfiguration: Reconfiguration) throws(JournalError) {
        // Entries read ahead were chosen by the old matches: read again from after the last one processed.
        let resume = lastCursor.map { ReadPosition.afterCursor(String(decoding: $0, as: UTF8.self)) } ?? startPosition
        dropBatch()
        let newMatches = reconfiguration.matches
        try journal.perform { reader throws(JournalError) in
            try reader.setMatches(newMatches)
            try JournalPipeline.position(reader, at: resume)
        }
        var jails = reconfiguration.jails
        for index in jails.indices {
            guard let old = self.jails.first(where: { $0.name == jails[index].name }) else { continue }
            var counter = old.counter
            let definition = jails[index].definition
            // The new parameters were checked when the jail was built, so this cannot fail.
            guard (try? counter.reconfigure(maxretry: definition.maxretry, findtime: definition.findtime, ignoreList: jails[index].counter.ignoreList)) != nil
            else { continue }
            jails[index].counter = counter
            jails[index].statistics = old.statistics
        }
        self.jails = jails
        matches = reconfiguration.matches
        longestFindtime = jails.map(\.definition.findtime).max() ?? 600
    }

    /// The cursor of the last entry processed (nil before the first).
    public var cursor: String? { lastCursor.map { String(decoding: $0, as: UTF8.self) } }

    /// Readable when entries read ahead are waiting to be processed (see `processAvailable`).
    public var wakeDescriptor: Int32 { journal.wakeDescriptor }

    /// CPU seconds used so far by the thread reading the journal ahead (nil when unknown).
    public var readingThreadCPUSeconds: Double? { journal.readingThreadCPUSeconds }

    // MARK: - Start

    /// Positions the reader: after the saved cursor (rebuilding the windows first), or at
    /// `now - findtime` (or the configured start time) without one. Problems with the state
    /// files are warnings, never fatal.
    public func start() throws(JournalError) -> StartPoint {
        loadDecisions()
        var saved: String?
        if let cursorFile {
            do {
                saved = try cursorFile.read()
            } catch {
                warnings.append("\(error); starting at now - findtime")
            }
        }
        if let cursor = saved {
            do {
                try replay(before: cursor)
                dropBatch()
                startPosition = .afterCursor(cursor)
                lastCursor = Array(cursor.utf8)
                switch try journal.seek(cursor: cursor) {
                case .afterCursorEntry:
                    return .afterCursor(cursor)
                case .cursorEntryGone:
                    warnings.append("the entry of the saved cursor is no longer in \(options.source) (vacuumed?): continuing at the next entry in time; entries between them may be lost")
                    return .cursorEntryGone(cursor)
                }
            } catch .malformedCursor {
                lastCursor = nil
                warnings.append("\(cursorFile?.path ?? "cursor"): the journal does not accept cursor '\(cursor)'; starting at now - findtime")
            }
        }
        if options.startTime == nil, saved == nil, cursorFile == nil {
            // A dry look at a journal: everything in it.
            try journal.seekHead()
            return .head
        }
        let time = options.startTime ?? options.now() - longestFindtime
        startPosition = .time(time)
        try journal.seek(time: time)
        return .time(time)
    }

    private func loadDecisions() {
        guard let decisionLog else { return }
        do {
            var unreadable = 0
            for record in try decisionLog.read() {
                guard let trigger = references.reference(for: record.triggerCursor) else {
                    unreadable += 1
                    continue
                }
                recentDecisions.append(HeldDecision(jail: record.jail, id: record.id, time: record.time, trigger: trigger))
            }
            if unreadable > 0 {
                warnings.append("\(decisionLog.path): \(unreadable) decisions with a cursor of another shape are ignored")
            }
        } catch {
            warnings.append("\(error); earlier decisions are not known, failures before the cursor may be counted again")
        }
        knownTriggers = Set(recentDecisions.map(\.jailTrigger))
    }

    /// Rebuilds the failure windows from the entries of the last findtime up to and
    /// including the cursor's entry, acting on nothing.
    private func replay(before cursor: String) throws(JournalError) {
        guard let end = references.reference(for: cursor)?.realtime else { throw .malformedCursor(cursor) }
        usedUpUntil = jails.map { jail in
            var used: [String: EntryReference] = [:]
            for record in recentDecisions where record.jail == jail.name && record.trigger.realtime <= end {
                if let known = used[record.id], known.realtime > record.trigger.realtime { continue }
                used[record.id] = record.trigger
            }
            return used
        }
        let from = Double(end) / 1_000_000 - longestFindtime - options.lateness
        try journal.seek(time: from)
        replaying = true
        defer {
            replaying = false
            usedUpUntil = []
        }
        let wanted = Array(cursor.utf8)
        while let current = try journal.nextBatch(waiting: true) {
            defer { journal.recycle(current) }
            var entry = JournalEntry(layout: current.layout)
            for index in 0..<current.count {
                current.entry(at: index, into: &entry)
                if entry.realtimeMicroseconds > end { return }
                process(entry, line: &line) { _ in }
                if entry.realtimeMicroseconds == end, entry.withCursorBytes({ $0.map { $0.elementsEqual(wanted) } ?? false }) {
                    return
                }
            }
        }
    }

    private static func position(_ reader: JournalReader, at position: ReadPosition) throws(JournalError) {
        switch position {
        case .head: try reader.seekHead()
        case .time(let time): try reader.seek(time: time)
        case .afterCursor(let cursor): _ = try reader.seek(cursor: cursor)
        }
    }

    /// Hands the batch in progress back, unprocessed entries and all.
    private func dropBatch() {
        if let batch { journal.recycle(batch) }
        batch = nil
        position = 0
    }

    // MARK: - Processing

    /// Processes up to `limit` entries; returns how many it processed. `decide` receives each
    /// new ban decision.
    /// - Parameter waiting: process everything the journal holds now, waiting for the
    ///   reading thread as needed. Without it, only entries already read ahead are processed
    ///   (`wakeDescriptor` tells when more are).
    @discardableResult
    public func processAvailable(limit: Int = .max, waiting: Bool = true, decide: (JailDecision) -> Void) throws(JournalError) -> Int {
        var count = 0
        defer { if count > 0 { processedSinceCommit = true } }
        while count < limit {
            // Taken out of `self` (and moved, never copied, so the reader can reuse its buffers).
            var taken = batch.take()
            if taken == nil { taken = try journal.nextBatch(waiting: waiting) }
            guard let current = taken.take() else { break }
            let end = min(current.count, position + (limit - count))
            count += end - position
            // Shows each entry in place; dropped before the batch goes back to the reader.
            var entry = JournalEntry(layout: current.layout)
            // A local for the batch, so the per-entry path makes no access checks on `self`.
            var line = self.line
            self.line = []
            while position < end {
                current.entry(at: position, into: &entry)
                process(entry, line: &line, decide: decide)
                position += 1
            }
            self.line = line
            entry.withCursorBytes { bytes in
                if let bytes { lastCursor = Array(bytes) }
            }
            entry = JournalEntry(layout: current.layout)
            if position == current.count {
                journal.recycle(current)
                position = 0
            } else {
                batch = consume current
            }
        }
        return count
    }

    /// Runs one entry through the jails whose match it satisfies; `line` is scratch space for its text.
    private func process(_ entry: JournalEntry, line: inout [UInt8], decide: (JailDecision) -> Void) {
        entriesRead += 1
        clock.now = entry.time
        if entry.time > newestTime { newestTime = entry.time }
        var formatted = false
        var referenced = false
        var reference = EntryReference.unknown
        for index in jails.indices where matches.memberMatches(index, entry) {
            if !formatted {
                entry.formatLine(into: &line)
                formatted = true
            }
            jails[index].statistics.entries += 1
            let result = line.withUnsafeBytes { jails[index].processor.process(line: $0, time: entry.time) }
            if case .matched = result.outcome { jails[index].statistics.matched += 1 }
            guard let failure = result.failure else { continue }
            if !referenced {
                referenced = true
                reference = references.reference(for: entry) ?? .unknown
            }
            if replaying, isUsedUp(failure.id, jail: index, entry: reference) { continue }
            switch jails[index].counter.count(failure, evidence: reference) {
            case .counted:
                jails[index].statistics.failures += 1
            case .ignored:
                jails[index].statistics.ignored += 1
            case .undated:
                break
            case .ban(let decision):
                jails[index].statistics.failures += 1
                guard !replaying else { continue }
                let held = HeldDecision(jail: jails[index].name, id: decision.id, time: decision.lastTime, trigger: reference)
                // Made before a stop that came before the cursor was saved: not again.
                if decisionLog != nil, reference != .unknown {
                    guard knownTriggers.insert(held.jailTrigger).inserted else { continue }
                    recentDecisions.append(held)
                    decisionsChanged = true
                }
                jails[index].statistics.decisions += 1
                let cursors = decision.evidence.compactMap { references.cursor(of: $0) }
                decide(JailDecision(jail: jails[index].name, decision: decision, cursors: cursors, triggerCursor: entry.cursor ?? ""))
            }
        }
    }

    /// Whether a replayed failure was already used up by the id's last decision before
    /// the cursor (it lies at or before that decision's trigger entry).
    private func isUsedUp(_ id: String, jail: Int, entry: EntryReference) -> Bool {
        guard let trigger = usedUpUntil[jail][id] else { return false }
        if entry.realtime > trigger.realtime {
            usedUpUntil[jail][id] = nil
            return false
        }
        if entry == trigger { usedUpUntil[jail][id] = nil }
        return true
    }

    // MARK: - Saving

    /// Saves what has been processed: the recent decisions, then the cursor of the last
    /// entry read. Cheap when nothing changed.
    public func commit() throws -> Bool {
        guard processedSinceCommit, let cursorFile, let cursor else { return false }
        if decisionsChanged, let decisionLog {
            let horizon = newestTime - longestFindtime - options.lateness - 60
            recentDecisions.removeAll { $0.time < horizon }
            knownTriggers = Set(recentDecisions.map(\.jailTrigger))
            try decisionLog.write(recentDecisions.compactMap { held in
                references.cursor(of: held.trigger).map { DecisionRecord(jail: held.jail, id: held.id, time: held.time, triggerCursor: $0) }
            })
            decisionsChanged = false
        }
        try cursorFile.write(cursor)
        processedSinceCommit = false
        return true
    }

    /// Drops failures older than every window can use.
    @discardableResult
    public func purgeExpired() -> Int {
        var purged = 0
        let now = newestTime - options.lateness
        for index in jails.indices { purged += jails[index].counter.purgeExpired(now: now) }
        return purged
    }
}
