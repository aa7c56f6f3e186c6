import CSystemd
import Glibc

/// Reads entries from a journal through sd_journal.
///
/// Not Sendable: an sd_journal handle belongs to the thread that opened it for its whole life.
///
/// Typical loop: seek once (`seek(cursor:)`, `seek(realtimeMicroseconds:)`, `seekHead()`,
/// `seekTail()`), then call `next()` until it returns nil, then `wait(timeout:)` (or poll
/// `fileDescriptor` for `events` and call `process()`), and read again.
/// `.invalidate` from `process()` means journal files were added or removed (rotation,
/// vacuuming): keep reading with `next()` as for `.append`; never seek to the tail on it.
/// A process that reads a live journal should install `JournalBusErrorGuard` first.
public final class JournalReader {
    public let source: JournalSource
    public private(set) var matches: JournalMatchSet
    let journal: OpaquePointer
    /// The entry `next()` fills; its buffers are reused when the caller has let go of the last one.
    private var entry: JournalEntry
    /// A seek left the journal on an entry that `next()` must return before moving on.
    private var currentEntryUnread = false
    private var entriesSinceProcess = 0
    private var entriesSinceRelease = 0
    /// Whether `next()` has returned an entry since the last seek.
    private var hasLastEntry = false
    /// That entry's cursor, once fetched: kept because processing file changes can take
    /// the journal off the entry (its file rotated or deleted) and lose it.
    private var lastEntryCursor: String?
    /// Whether stepping to an entry starts the enumeration of its data over, so that filling
    /// a batch can do without `sd_journal_restart_data`, one call into libsystemd per entry
    /// (about 2% of the reading thread's time). libsystemd does it, but does not promise it,
    /// so it is checked on the first entry read after one whose items were enumerated; nil until then.
    private(set) var steppingRestartsData: Bool?
    /// Items the batch path took from the entry it read last.
    private var itemsOfLastEnumeratedEntry = 0

    /// Entries read between two `sd_journal_process` calls made by `next()` itself, so files
    /// deleted underneath are closed even when the caller never runs out of entries to wait.
    static let processInterval = 4096
    /// Entries read between two releases of the journal files' mapped pages (see `MappedPages`).
    /// Each release costs the pages read again after it. In the replay benchmark, with program
    /// text released too: every 12,288 entries, peak memory 44.4 MB and about 1% less time than
    /// every 8,192 (40.2 MB); every 4,096 took about 5% more than 8,192.
    static let releaseInterval = 12_288

    /// Opens `source` and installs the union of `matches`.
    public init(source: JournalSource, matches: JournalMatchSet = JournalMatchSet()) throws(JournalError) {
        // Set up before the handle is stored: once every property is set, a throw runs deinit,
        // which closes it too.
        let handle = try Self.open(source)
        do throws(JournalError) {
            try JournalError.check(
                sd_journal_set_data_threshold(handle, JournalEntry.maximumFieldLength), "setting the journal data threshold")
            try matches.install(into: handle)
        } catch {
            sd_journal_close(handle)
            throw error
        }
        // Start watching for new and removed files now, so a rotation before the first wait is noticed.
        // Journals opened without inotify support report that only when waiting.
        _ = sd_journal_get_fd(handle)
        self.source = source
        self.matches = matches
        journal = handle
        entry = JournalEntry(layout: matches.layout)
    }

    deinit {
        sd_journal_close(journal)
    }

    private static func open(_ source: JournalSource) throws(JournalError) -> OpaquePointer {
        var handle: OpaquePointer?
        let result: Int32
        switch source {
        case .system:
            result = sd_journal_open(&handle, Int32(SD_JOURNAL_LOCAL_ONLY | SD_JOURNAL_SYSTEM))
        case .directory(let path):
            result = sd_journal_open_directory(&handle, path, 0)
        case .files(let paths):
            var pointers: [UnsafePointer<CChar>?] = paths.map { UnsafePointer(strdup($0)) }
            defer { for pointer in pointers { free(UnsafeMutablePointer(mutating: pointer)) } }
            pointers.append(nil)
            result = pointers.withUnsafeMutableBufferPointer { sd_journal_open_files(&handle, $0.baseAddress, 0) }
        case .namespace(let name):
            result = sd_journal_open_namespace(&handle, name, Int32(SD_JOURNAL_LOCAL_ONLY | SD_JOURNAL_SYSTEM))
        }
        try JournalError.check(result, "opening \(source)")
        guard let handle else { throw JournalError.failed(action: "opening \(source)", errno: EINVAL) }
        return handle
    }

    /// Replaces the matches. Reading continues after the last entry returned, now filtered
    /// by the new matches (call a seek to start elsewhere).
    public func setMatches(_ newMatches: JournalMatchSet) throws(JournalError) {
        do throws(JournalError) {
            try newMatches.install(into: journal)
        } catch {
            try? matches.install(into: journal)
            throw error
        }
        matches = newMatches
        entry = JournalEntry(layout: newMatches.layout)
    }

    // MARK: - Positioning

    /// Before the oldest entry.
    public func seekHead() throws(JournalError) {
        forgetPosition()
        try JournalError.check(sd_journal_seek_head(journal), "seeking to the start of \(source)")
    }

    /// After the newest entry: `next()` returns only entries added from now on.
    public func seekTail() throws(JournalError) {
        forgetPosition()
        try JournalError.check(sd_journal_seek_tail(journal), "seeking to the end of \(source)")
        // Left at the bare tail position, sd_journal_next skips to the last of the entries
        // appended later. Standing on the newest entry avoids that; with no entry to stand
        // on, the head is the same place.
        let stepped = try JournalError.check(sd_journal_previous(journal), "seeking to the end of \(source)")
        if stepped == 0 {
            try JournalError.check(sd_journal_seek_head(journal), "seeking to the end of \(source)")
        }
    }

    /// Before the first entry received at or after `realtimeMicroseconds` (microseconds since the epoch).
    public func seek(realtimeMicroseconds: UInt64) throws(JournalError) {
        forgetPosition()
        try JournalError.check(
            sd_journal_seek_realtime_usec(journal, realtimeMicroseconds), "seeking \(source) to time \(realtimeMicroseconds)µs")
    }

    /// Before the first entry received at or after `time` (seconds since the epoch).
    public func seek(time: Double) throws(JournalError) {
        let microseconds = time * 1_000_000
        // NaN and negative times mean the start; anything past year 292277 the end.
        let clamped = microseconds.isNaN || microseconds <= 0 ? 0 : min(microseconds, Double(Int64.max))
        try seek(realtimeMicroseconds: UInt64(clamped))
    }

    /// Where `seek(cursor:)` left the reader.
    public enum CursorSeekResult: Equatable, Sendable {
        /// The cursor's entry exists: `next()` returns the entry right after it.
        case afterCursorEntry
        /// The cursor's entry is no longer in the journal (vacuumed or rotated away):
        /// `next()` returns the first entry that follows its position in time. Worth a warning,
        /// since entries between the cursor and that one may have been lost with it.
        case cursorEntryGone
    }

    /// Positions the reader right after the entry `cursor` names, so no entry is read twice
    /// and none is skipped. Throws `JournalError.malformedCursor` when libsystemd cannot parse it.
    public func seek(cursor: String) throws(JournalError) -> CursorSeekResult {
        forgetPosition()
        if try seekAndTest(cursor) {
            rememberCursorEntry(cursor)
            return .afterCursorEntry
        }
        guard !matches.matchesEverything else {
            currentEntryUnread = isOnEntry
            return .cursorEntryGone
        }
        // The entry may exist yet not satisfy the current matches (they changed since it was
        // read): look for it unfiltered, then position again with the matches.
        sd_journal_flush_matches(journal)
        let exists: Bool
        do throws(JournalError) {
            exists = try seekAndTest(cursor)
        } catch {
            try? matches.install(into: journal)
            throw error
        }
        try matches.install(into: journal)
        _ = try seekAndTest(cursor)
        currentEntryUnread = isOnEntry
        if exists { rememberCursorEntry(cursor) }
        return exists ? .afterCursorEntry : .cursorEntryGone
    }

    private func forgetPosition() {
        currentEntryUnread = false
        hasLastEntry = false
        lastEntryCursor = nil
    }

    /// Reading resumes after the cursor's entry: it counts as the last entry read.
    private func rememberCursorEntry(_ cursor: String) {
        hasLastEntry = true
        lastEntryCursor = cursor
    }

    /// Whether the last sd_journal_next landed on an entry.
    private var isOnEntry = false

    /// Seeks to `cursor`, steps onto the first entry at or after it, and says whether that is the cursor's entry.
    private func seekAndTest(_ cursor: String) throws(JournalError) -> Bool {
        let sought = sd_journal_seek_cursor(journal, cursor)
        if sought == -EINVAL { throw JournalError.malformedCursor(cursor) }
        try JournalError.check(sought, "seeking \(source) to cursor \(cursor)")
        isOnEntry = try JournalError.check(sd_journal_next(journal), "reading \(source) after seeking to a cursor") > 0
        guard isOnEntry else { return false }
        let tested = sd_journal_test_cursor(journal, cursor)
        if tested == -EINVAL { throw JournalError.malformedCursor(cursor) }
        return try JournalError.check(tested, "testing cursor \(cursor)") > 0
    }

    // MARK: - Reading

    /// The next entry satisfying the matches, or nil at the end of the journal (for now).
    /// - Parameter includingCursor: also fetch the entry's cursor (costs a formatted string;
    ///   `cursor()` fetches it later while the entry is current).
    public func next(includingCursor: Bool = false) throws(JournalError) -> JournalEntry? {
        guard try next(into: &entry, includingCursor: includingCursor) else { return nil }
        return entry
    }

    /// Fills `target` with the next entry satisfying the matches, reusing its storage;
    /// false at the end of the journal (for now), leaving `target` as it was.
    public func next(into target: inout JournalEntry, includingCursor: Bool = false) throws(JournalError) -> Bool {
        guard try step() else { return false }
        target.reset(layout: matches.layout)
        // The cursor carries the entry's times, so with it two calls into libsystemd are saved.
        if includingCursor {
            try appendCursor(to: &target)
        }
        let times = includingCursor ? target.withCursorBytes { $0.flatMap(JournalCursor.times) } : nil
        try Self.fill(&target, times: times, layout: matches.layout, from: journal, source: source)
        return true
    }

    /// Adds the next entry satisfying the matches to `batch`, as libsystemd gives it (every
    /// item, and the cursor), leaving the picking of fields to whoever reads the batch;
    /// false at the end of the journal (for now).
    func next(into batch: inout JournalBatch) throws(JournalError) -> Bool {
        guard try step() else { return false }
        if steppingRestartsData == nil, itemsOfLastEnumeratedEntry > 0 { steppingRestartsData = Self.enumerationRestartsOnStep(journal) }
        let itemsBefore = batch.itemCount
        batch.appendItems(of: journal, restarting: steppingRestartsData != true)
        itemsOfLastEnumeratedEntry = batch.itemCount - itemsBefore
        var text: UnsafeMutablePointer<CChar>?
        let got = sd_journal_get_cursor(journal, &text)
        guard got >= 0, let text else {
            batch.dropCurrentEntry()
            throw JournalError.failed(action: "getting the cursor of the current entry in \(source)", errno: got < 0 ? -got : EINVAL)
        }
        defer { free(text) }
        batch.endEntry(cursor: UnsafeRawBufferPointer(start: text, count: strlen(text)))
        return true
    }

    /// Whether the current entry's data, enumerated without `sd_journal_restart_data` after
    /// the previous entry's was enumerated to its end, is all of it (libsystemd starts the
    /// enumeration over when it steps to an entry). False when the two enumerations differ
    /// or fail.
    private static func enumerationRestartsOnStep(_ journal: OpaquePointer) -> Bool {
        func countItems() -> Int? {
            var data: UnsafeRawPointer?
            var length = 0
            var count = 0
            while true {
                let result = sd_journal_enumerate_available_data(journal, &data, &length)
                if result < 0 { return nil }
                if result == 0 { return count }
                count += 1
            }
        }
        let unrestarted = countItems()
        sd_journal_restart_data(journal)
        let all = countItems()
        sd_journal_restart_data(journal)
        guard let unrestarted, let all else { return false }
        return unrestarted == all
    }

    /// Steps to the next entry satisfying the matches; false at the end of the journal (for now).
    private func step() throws(JournalError) -> Bool {
        if currentEntryUnread {
            currentEntryUnread = false
        } else {
            var stepped = try JournalError.check(sd_journal_next(journal), "reading the next entry of \(source)")
            if stepped == 0 {
                // At the end: pick up rotated-in files and let go of deleted ones, then look once more.
                entriesSinceProcess = 0
                if ((try? process()) ?? .nop) != .nop {
                    stepped = try JournalError.check(sd_journal_next(journal), "reading the next entry of \(source)")
                }
                if stepped == 0 { return false }
            }
            entriesSinceProcess += 1
            if entriesSinceProcess >= Self.processInterval {
                entriesSinceProcess = 0
                _ = try? process()
            }
            entriesSinceRelease += 1
            if entriesSinceRelease >= Self.releaseInterval {
                entriesSinceRelease = 0
                MappedPages.release()
            }
        }
        hasLastEntry = true
        lastEntryCursor = nil
        return true
    }

    /// The layout index of a `FIELD=value` item's field, if the layout fetches it.
    static func fieldIndex(of item: UnsafeRawPointer, length: Int, layout: JournalFieldLayout) -> Int? {
        let searched = min(length, JournalFieldName.maximumLength + 1)
        guard let equals = memchr(item, 0x3D, searched) else { return nil }
        return layout.index(ofName: item.assumingMemoryBound(to: UInt8.self), count: item.distance(to: UnsafeRawPointer(equals)))
    }

    /// Copies the current entry's times (`times` when known already) and wanted fields
    /// into `entry`, which was reset.
    private static func fill(
        _ entry: inout JournalEntry, times: (realtime: UInt64, monotonic: UInt64)?, layout: JournalFieldLayout,
        from journal: OpaquePointer, source: JournalSource
    ) throws(JournalError) {
        if let times {
            entry.realtimeMicroseconds = times.realtime
            entry.monotonicMicroseconds = times.monotonic
        } else {
            var realtime: UInt64 = 0
            try JournalError.check(sd_journal_get_realtime_usec(journal, &realtime), "reading an entry's time in \(source)")
            var monotonic: UInt64 = 0
            // Without a boot id to fill, libsystemd refuses entries of other boots.
            var bootID = sd_id128_t()
            if sd_journal_get_monotonic_usec(journal, &monotonic, &bootID) < 0 { monotonic = 0 }
            entry.realtimeMicroseconds = realtime
            entry.monotonicMicroseconds = monotonic
        }

        // One pass over the entry's items: sd_journal_get_data per wanted field walks the
        // items again for each field and measured four times slower.
        sd_journal_restart_data(journal)
        var data: UnsafeRawPointer?
        var length = 0
        while sd_journal_enumerate_available_data(journal, &data, &length) > 0 {
            guard let data else { continue }
            let searched = min(length, JournalFieldName.maximumLength + 1)
            guard let equals = memchr(data, 0x3D, searched) else { continue }
            let nameLength = data.distance(to: UnsafeRawPointer(equals))
            guard let index = layout.index(ofName: data.assumingMemoryBound(to: UInt8.self), count: nameLength) else { continue }
            entry.setValue(at: index, UnsafeRawBufferPointer(start: data + nameLength + 1, count: length - nameLength - 1))
        }
        entry.updateTime()
    }

    /// The cursor of the entry last returned by `next()` (or of the entry `seek(cursor:)` found).
    public func cursor() throws(JournalError) -> String {
        if let lastEntryCursor { return lastEntryCursor }
        guard hasLastEntry else {
            throw JournalError.failed(action: "getting the cursor of the last entry read from \(source): no entry was read since the last seek", errno: EADDRNOTAVAIL)
        }
        let cursor = try currentCursor()
        lastEntryCursor = cursor
        return cursor
    }

    /// Fetches the cursor before processing file changes, which can lose the journal's place.
    func keepLastEntryCursor() {
        if hasLastEntry, lastEntryCursor == nil { lastEntryCursor = try? currentCursor() }
    }

    /// Stores the current entry's cursor in `target` as bytes.
    private func appendCursor(to target: inout JournalEntry) throws(JournalError) {
        var text: UnsafeMutablePointer<CChar>?
        try JournalError.check(sd_journal_get_cursor(journal, &text), "getting the cursor of the current entry in \(source)")
        guard let text else { throw JournalError.failed(action: "getting the cursor of the current entry in \(source)", errno: EINVAL) }
        defer { free(text) }
        target.setCursor(UnsafeRawBufferPointer(start: text, count: strlen(text)))
    }

    private func currentCursor() throws(JournalError) -> String {
        var text: UnsafeMutablePointer<CChar>?
        try JournalError.check(sd_journal_get_cursor(journal, &text), "getting the cursor of the current entry in \(source)")
        guard let text else { throw JournalError.failed(action: "getting the cursor of the current entry in \(source)", errno: EINVAL) }
        defer { free(text) }
        return String(cString: text)
    }
}

@available(*, unavailable, message: "an sd_journal handle must stay on the thread that opened it")
extension JournalReader: Sendable {}
