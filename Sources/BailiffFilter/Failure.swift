/// A failure found by a filter: who failed, when, and what the regex captured.
public struct Failure: Sendable, Equatable {
    /// The failure id: the address (normalised), host name, or `<F-ID>` value.
    public var id: String
    /// The address, when the failure id is something else (`<F-ID>` with `<HOST>`).
    public var address: String?
    /// Seconds since the epoch; nil when the line had no usable time.
    public var time: Double?
    /// Index of the failregex that matched.
    public var regexIndex: Int
    /// Named captures (`user`, `fid`, custom `<F-NAME>` values) of the merged failure.
    public var captures: [String: String]
    /// Users seen on the same multi-line id (connection), if any.
    public var users: Set<String>
    /// The log lines that make up the failure.
    public var lines: [String]
}

/// Merged state of one multi-line failure id (a connection), shared between the lines
/// that carry it. A reference type because the cache and the current line update the
/// same record.
final class FailureData {
    var values: [String: String]
    var users: Set<String>?
    var matches: [String]?
    var nofailMatches: [String]?
    var pending = false

    init(values: [String: String]) { self.values = values }

    func removeValue(_ key: String) -> String? { values.removeValue(forKey: key) }

    /// Records a user on this id; returns the users seen so far.
    @discardableResult
    func addUser(_ user: String?) -> Set<String>? {
        guard let user, !user.isEmpty else { return users }
        if users == nil { users = [] }
        users!.insert(user)
        return users
    }
}
