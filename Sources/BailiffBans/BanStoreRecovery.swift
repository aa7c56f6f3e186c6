/// A damaged or unreadable ban store that was moved aside and replaced by an empty one.
/// The daemon logs it: bans it held are no longer known, though the old file is kept.
public struct BanStoreRecovery: Hashable, Sendable, CustomStringConvertible {
    public let path: String
    /// What was wrong with the old store.
    public let problem: String
    public let movedFiles: [MovedFile]

    public var description: String {
        let destination = movedFiles.first?.to ?? "(nothing to move)"
        return "ban store \(path) could not be used: \(problem). It was moved aside to \(destination) "
            + "and an empty ban store replaces it; the bans it held are no longer enforced"
    }
}
