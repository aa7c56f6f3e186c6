/// Which journal a reader opens.
public enum JournalSource: Equatable, Sendable, CustomStringConvertible {
    /// The local system journal (`SD_JOURNAL_LOCAL_ONLY | SD_JOURNAL_SYSTEM`): no user
    /// journals, no journals received from other machines.
    case system
    /// Every journal file in a directory (and its machine-id subdirectories), e.g. `/var/log/journal`.
    case directory(String)
    /// Exactly these journal files.
    case files([String])
    /// The journal of a journald namespace (`systemd-journald@NAME`).
    case namespace(String)

    public var description: String {
        switch self {
        case .system: return "the system journal"
        case .directory(let path): return "the journal directory \(path)"
        case .files(let paths): return "the journal files \(paths.joined(separator: ", "))"
        case .namespace(let name): return "the journal namespace \(name)"
        }
    }
}
