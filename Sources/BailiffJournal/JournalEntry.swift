import Glibc

/// One journal entry: its time, its position and the fields bailiff needs, as raw bytes
/// (journal fields may hold anything, including invalid UTF-8 and NUL bytes).
///
/// A field may occur several times in one entry: `value(of:)` gives the first occurrence
/// (as `sd_journal_get_data` does), `values(of:)` all of them, and matches test all of them
/// (as sd_journal does).
public struct JournalEntry: Sendable {
    /// A field's bytes inside `storage`; a negative count means the entry lacks the field.
    struct Span {
        var start: Int32
        var count: Int32
        static let absent = Span(start: 0, count: -1)
    }

    /// Which field each index names.
    public internal(set) var layout: JournalFieldLayout
    /// The values of every present field, back to back.
    var storage: [UInt8] = []
    var spans: [Span]
    /// Second and later occurrences of fetched fields (rare), by field index.
    var repeats: [(field: Int, span: Span)] = []
    /// When journald received the entry (`__REALTIME_TIMESTAMP`), microseconds since the epoch.
    public internal(set) var realtimeMicroseconds: UInt64
    /// The entry's `__MONOTONIC_TIMESTAMP`, microseconds since its boot.
    public internal(set) var monotonicMicroseconds: UInt64
    /// The entry's time in seconds since the epoch, as fail2ban takes it: `_SOURCE_REALTIME_TIMESTAMP`
    /// when present and numeric (when the message was logged), else `__REALTIME_TIMESTAMP`.
    public internal(set) var time: Double
    /// Where the entry's cursor is in `storage`, when it was asked for
    /// (`JournalReader.next(includingCursor:)`); kept as bytes so reading allocates nothing.
    var cursorSpan = Span.absent
    /// The cursor's parts, when the entry was shown from a batch (which reads them for the
    /// entry's times anyway), so whoever needs them does not read the cursor again.
    public internal(set) var cursorParts: JournalCursor.Parts?

    /// An entry with these fields, as the reader would produce it (for callers that build
    /// entries themselves, such as replaying from another source).
    public init(
        fields: [String: [UInt8]], realtimeMicroseconds: UInt64, monotonicMicroseconds: UInt64 = 0, cursor: String? = nil
    ) {
        let layout = JournalFieldLayout(additionalFields: fields.keys.sorted())
        self.init(layout: layout)
        for (name, value) in fields {
            guard let index = layout.index(of: name) else { continue }
            value.withUnsafeBytes { setValue(at: index, $0) }
        }
        self.realtimeMicroseconds = realtimeMicroseconds
        self.monotonicMicroseconds = monotonicMicroseconds
        if let cursor { setCursor(Array(cursor.utf8)) }
        updateTime()
    }

    /// The entry's cursor, when the reader fetched it; `JournalReader.cursor()` gives the
    /// current entry's cursor at any time.
    public var cursor: String? {
        withCursorBytes { bytes in bytes.map { String(decoding: $0, as: UTF8.self) } }
    }

    /// Calls `body` with the cursor's bytes (nil when it was not fetched), without making a string.
    public func withCursorBytes<Result>(_ body: (UnsafeRawBufferPointer?) throws -> Result) rethrows -> Result {
        guard cursorSpan.count >= 0 else { return try body(nil) }
        return try storage.withUnsafeBytes { bytes in
            try body(UnsafeRawBufferPointer(rebasing: bytes[Int(cursorSpan.start)..<Int(cursorSpan.start + cursorSpan.count)]))
        }
    }

    /// Stores the cursor's bytes after the fields.
    mutating func setCursor(_ bytes: UnsafeRawBufferPointer) {
        cursorSpan = Span(start: Int32(storage.count), count: Int32(bytes.count))
        storage.append(contentsOf: bytes)
    }

    mutating func setCursor(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { setCursor($0) }
    }

    /// An empty entry, to be filled by a reader or shown a batch's entry.
    public init(layout: JournalFieldLayout) {
        self.layout = layout
        spans = Array(repeating: .absent, count: layout.count)
        realtimeMicroseconds = 0
        monotonicMicroseconds = 0
        time = 0
    }

    /// The value of a field, without its `FIELD=` prefix; nil when the entry lacks it
    /// or the reader did not fetch it.
    public func value(of field: String) -> ArraySlice<UInt8>? {
        guard let index = layout.index(of: field) else { return nil }
        return value(at: index)
    }

    /// The value of the field at `index` in `layout`.
    public func value(at index: Int) -> ArraySlice<UInt8>? {
        guard spans.indices.contains(index) else { return nil }
        let span = spans[index]
        guard span.count >= 0 else { return nil }
        return storage[Int(span.start)..<Int(span.start + span.count)]
    }

    /// Every value of a field, in the entry's order; empty when the entry lacks it.
    public func values(of field: String) -> [ArraySlice<UInt8>] {
        guard let index = layout.index(of: field), let first = value(at: index) else { return [] }
        return [first] + repeats.filter { $0.field == index }.map { slice($0.span) }
    }

    private func slice(_ span: Span) -> ArraySlice<UInt8> {
        storage[Int(span.start)..<Int(span.start + span.count)]
    }

    public var message: ArraySlice<UInt8>? { value(at: JournalFieldLayout.message) }

    /// The present fields by name (for display and debugging, not the per-entry path).
    public var fields: [String: [UInt8]] {
        var result: [String: [UInt8]] = [:]
        for (index, name) in layout.names.enumerated() {
            if let value = value(at: index) { result[name] = Array(value) }
        }
        return result
    }

    // MARK: - Filling (reader side)

    /// Forgets every value but keeps the storage, so the next entry allocates nothing.
    mutating func reset(layout newLayout: JournalFieldLayout) {
        if layout !== newLayout {
            layout = newLayout
            spans = Array(repeating: .absent, count: newLayout.count)
        } else {
            for index in spans.indices { spans[index] = .absent }
        }
        storage.removeAll(keepingCapacity: true)
        repeats.removeAll(keepingCapacity: true)
        cursorSpan = .absent
        cursorParts = nil
    }

    /// Past this much stored data, further repeats of a field are dropped.
    static let maximumRepeatStorage = 4 * maximumFieldLength
    /// The longest `FIELD=value` item kept: the longest name and value.
    static let maximumItemLength = JournalFieldName.maximumLength + 1 + maximumFieldLength

    /// Shows an entry of a batch: the values of `layout`'s fields among `items` (spans of
    /// `FIELD=value` in `bytes`), read in place, and the times from its cursor.
    mutating func show(_ bytes: [UInt8], items: ArraySlice<Span>, cursor: Span, layout newLayout: JournalFieldLayout) {
        if layout !== newLayout {
            layout = newLayout
            spans = Array(repeating: .absent, count: newLayout.count)
        }
        repeats.removeAll(keepingCapacity: true)
        // Shared with the batch: a reference, not a copy.
        storage = bytes
        cursorSpan = cursor
        var parts: JournalCursor.Parts?
        // Under one access to each buffer: this runs for every item of every entry.
        spans.withUnsafeMutableBufferPointer { fields in
            for index in fields.indices { fields[index] = .absent }
            storage.withUnsafeBytes { raw in
                items.withUnsafeBufferPointer { items in
                    for item in items {
                        let start = raw.baseAddress! + Int(item.start)
                        let searched = min(Int(item.count), JournalFieldName.maximumLength + 1)
                        guard let equals = memchr(start, 0x3D, searched) else { continue }
                        let nameLength = start.distance(to: UnsafeRawPointer(equals))
                        guard let index = newLayout.index(ofName: start.assumingMemoryBound(to: UInt8.self), count: nameLength) else { continue }
                        let value = Span(start: item.start + Int32(nameLength + 1), count: min(item.count - Int32(nameLength + 1), Int32(Self.maximumFieldLength)))
                        if fields[index].count >= 0 {
                            repeats.append((index, value))
                        } else {
                            fields[index] = value
                        }
                    }
                }
                parts = JournalCursor.parts(UnsafeRawBufferPointer(rebasing: raw[Int(cursor.start)..<Int(cursor.start + cursor.count)]))
            }
        }
        cursorParts = parts
        realtimeMicroseconds = parts?.realtime ?? 0
        monotonicMicroseconds = parts?.monotonic ?? 0
        updateTime()
    }

    /// Stores a field's value, at most `JournalEntry.maximumFieldLength` bytes of it; a
    /// field already present gets the value as a repeat.
    mutating func setValue(at index: Int, _ value: UnsafeRawBufferPointer) {
        let isRepeat = spans[index].count >= 0
        // An entry repeating a field thousands of times gets no more memory than this.
        if isRepeat, storage.count > Self.maximumRepeatStorage { return }
        let kept = min(value.count, Self.maximumFieldLength)
        let span = Span(start: Int32(storage.count), count: Int32(kept))
        storage.append(contentsOf: UnsafeRawBufferPointer(rebasing: value[0..<kept]))
        if isRepeat {
            repeats.append((index, span))
        } else {
            spans[index] = span
        }
    }

    /// Whether any value of the field at `index` is exactly `expected`.
    func value(at index: Int, equals expected: [UInt8]) -> Bool {
        if spanEquals(spans[index], expected) { return true }
        if repeats.isEmpty { return false }
        return repeats.contains { $0.field == index && spanEquals($0.span, expected) }
    }

    private func spanEquals(_ span: Span, _ expected: [UInt8]) -> Bool {
        guard span.count == expected.count else { return false }
        if expected.isEmpty { return true }
        return storage.withUnsafeBytes { stored in
            expected.withUnsafeBytes { wanted in
                memcmp(stored.baseAddress! + Int(span.start), wanted.baseAddress!, wanted.count) == 0
            }
        }
    }

    /// Sets `time` from the source timestamp when it is a number, else from the receive time.
    mutating func updateTime() {
        let span = spans[JournalFieldLayout.sourceRealtime]
        if span.count >= 0 {
            let parsed = storage.withUnsafeBytes { bytes in
                PythonInteger.parse(UnsafeRawBufferPointer(rebasing: bytes[Int(span.start)..<Int(span.start + span.count)]), base: .decimal)
            }
            if case .small(let microseconds) = parsed {
                time = Double(microseconds) / 1_000_000
                return
            }
        }
        time = Double(realtimeMicroseconds) / 1_000_000
    }
}
