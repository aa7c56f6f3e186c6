import Glibc

/// The fields a reader fetches for each entry, in a fixed order, so entries and compiled
/// matches address them by index instead of by name.
public final class JournalFieldLayout: Sendable {
    /// What fail2ban's journal line and entry time are built from; always fetched, in this order.
    public static let standardFields = [
        "MESSAGE", "_HOSTNAME", "SYSLOG_IDENTIFIER", "_COMM", "SYSLOG_PID", "_PID",
        "_SOURCE_MONOTONIC_TIMESTAMP", "_SOURCE_REALTIME_TIMESTAMP",
    ]

    // Indices of the standard fields.
    static let message = 0
    static let hostname = 1
    static let syslogIdentifier = 2
    static let command = 3
    static let syslogPID = 4
    static let pid = 5
    static let sourceMonotonic = 6
    static let sourceRealtime = 7

    /// The standard fields alone.
    public static let standard = JournalFieldLayout(additionalFields: [])

    /// Every field fetched: the standard ones, then the additional ones.
    public let names: [String]
    private let indexByName: [String: Int]
    /// The names as bytes, grouped by length, to find a `FIELD=value` item's field fast.
    private let namesByLength: [[(bytes: [UInt8], index: Int)]]

    /// A layout with the standard fields and `additionalFields` (duplicates and standard names ignored).
    public init(additionalFields: some Sequence<String>) {
        var names = Self.standardFields
        for field in additionalFields where !names.contains(field) { names.append(field) }
        self.names = names
        var indexByName: [String: Int] = [:]
        var namesByLength = [[(bytes: [UInt8], index: Int)]](repeating: [], count: JournalFieldName.maximumLength + 1)
        for (index, name) in names.enumerated() {
            indexByName[name] = index
            let bytes = Array(name.utf8)
            if bytes.count < namesByLength.count { namesByLength[bytes.count].append((bytes, index)) }
        }
        self.indexByName = indexByName
        self.namesByLength = namesByLength
    }

    public var count: Int { names.count }

    public func index(of field: String) -> Int? { indexByName[field] }

    /// The index of the field whose name is `count` bytes at `name`, if this layout fetches it.
    func index(ofName name: UnsafePointer<UInt8>, count: Int) -> Int? {
        guard count < namesByLength.count else { return nil }
        for candidate in namesByLength[count] {
            let equal = candidate.bytes.withUnsafeBufferPointer { bytes in
                memcmp(bytes.baseAddress!, name, count) == 0
            }
            if equal { return candidate.index }
        }
        return nil
    }
}
