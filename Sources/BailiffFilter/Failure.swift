/// A failure found by a filter: who failed, when, and what the regex captured.
/// Immutable, and a class so that handing it along costs one reference.
public final class Failure: Sendable, Equatable {
    /// The failure id: the address (normalised), host name, or `<F-ID>` value.
    public let id: String
    /// The address, when the failure id is something else (`<F-ID>` with `<HOST>`).
    public let address: String?
    /// Seconds since the epoch; nil when the line had no usable time.
    public let time: Double?
    /// Index of the failregex that matched.
    public let regexIndex: Int
    /// The log lines that make up the failure (the most recent ones, see `attempts`);
    /// empty when the processor does not keep them.
    public let lines: [String]
    /// How many matched lines make up the failure.
    public let attempts: Int
    /// Capture values by slot (names come from `slots`) and the users.
    let values: CaptureValues
    let slots: CaptureSlots

    init(id: String, address: String?, time: Double?, regexIndex: Int, lines: [String], attempts: Int,
         values: CaptureValues, slots: CaptureSlots) {
        self.id = id
        self.address = address
        self.time = time
        self.regexIndex = regexIndex
        self.lines = lines
        self.attempts = attempts
        self.values = values
        self.slots = slots
    }

    /// Users seen on the same multi-line id (connection), if any.
    public var users: Set<String> { values.users }

    /// Named captures (`user`, `fid`, custom `<F-NAME>` values) of the merged failure.
    public var captures: [String: String] {
        var result: [String: String] = [:]
        for slot in 0..<values.count where !CaptureSlots.internalSlots.contains(slot) {
            if let value = values.string(slot) { result[slots.names[slot]] = value }
        }
        return result
    }

    public static func == (left: Failure, right: Failure) -> Bool {
        left.id == right.id && left.address == right.address && left.time == right.time && left.regexIndex == right.regexIndex
            && left.users == right.users && left.lines == right.lines && left.attempts == right.attempts && left.captures == right.captures
    }
}

/// Merged state of one multi-line failure id (a connection), shared between the lines
/// that carry it. A reference type because the cache and the current line update the
/// same record.
final class FailureData {
    /// Lines kept per failure: enough for reports, bounded for long connections.
    static let keptLines = 32

    /// The merged captures, and the users seen on the id.
    var values: CaptureValues
    var matches = MatchedLines()
    var nofailMatches = MatchedLines()
    var pending = false

    init(values: CaptureValues) { self.values = values }

    /// Back to the state of a new id, keeping the storage.
    func reset() {
        values.removeAll()
        matches.removeAll()
        nofailMatches.removeAll()
        pending = false
    }

    /// Removes a slot's value; returns whether it was set and non-empty.
    func take(_ slot: Int) -> Bool {
        let wasSet = values.isSet(slot)
        values.remove(slot)
        return wasSet
    }
}

/// The matched lines of a failure: a count and the most recent lines.
struct MatchedLines {
    private(set) var lines: [String] = []
    private(set) var count = 0

    var isEmpty: Bool { count == 0 }

    mutating func append(_ line: String) {
        count += 1
        if lines.count == FailureData.keptLines { lines.removeFirst() }
        lines.append(line)
    }

    /// Counts a line whose text is not kept.
    mutating func appendWithoutText() { count += 1 }

    mutating func append(_ other: MatchedLines) {
        count += other.count
        guard !other.lines.isEmpty else { return }
        lines += other.lines
        if lines.count > FailureData.keptLines { lines.removeFirst(lines.count - FailureData.keptLines) }
    }

    mutating func removeAll() {
        // Mostly empty already: no need to swap one empty array for another.
        if !lines.isEmpty { lines = [] }
        count = 0
    }
}
