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
    /// Users seen on the same multi-line id (connection), if any.
    public let users: Set<String>
    /// The log lines that make up the failure (the most recent ones, see `attempts`);
    /// empty when the processor does not keep them.
    public let lines: [String]
    /// How many matched lines make up the failure.
    public let attempts: Int
    /// Capture values by slot; names come from `slots`.
    let values: [String?]
    let slots: CaptureSlots

    init(id: String, address: String?, time: Double?, regexIndex: Int, users: Set<String>, lines: [String], attempts: Int,
         values: [String?], slots: CaptureSlots) {
        self.id = id
        self.address = address
        self.time = time
        self.regexIndex = regexIndex
        self.users = users
        self.lines = lines
        self.attempts = attempts
        self.values = values
        self.slots = slots
    }

    /// Named captures (`user`, `fid`, custom `<F-NAME>` values) of the merged failure.
    public var captures: [String: String] {
        var result: [String: String] = [:]
        for (slot, value) in values.enumerated() where !CaptureSlots.internalSlots.contains(slot) {
            if let value { result[slots.names[slot]] = value }
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

    var values: [String?]
    var users: Set<String>?
    var matches = MatchedLines()
    var nofailMatches = MatchedLines()
    var pending = false

    init(values: [String?]) { self.values = values }

    func take(_ slot: Int) -> String? {
        let value = values[slot]
        values[slot] = nil
        return value
    }

    func isSet(_ slot: Int) -> Bool { !(values[slot] ?? "").isEmpty }

    /// Records a user on this id; returns the users seen so far.
    @discardableResult
    func addUser(_ user: String?) -> Set<String>? {
        guard let user, !user.isEmpty else { return users }
        if users == nil { users = [] }
        users!.insert(user)
        return users
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
        lines += other.lines
        if lines.count > FailureData.keptLines { lines.removeFirst(lines.count - FailureData.keptLines) }
    }

    mutating func removeAll() { lines = []; count = 0 }
}
