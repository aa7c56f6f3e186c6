/// The evidence behind a ban, kept so any ban can be explained later
/// (`journalctl --cursor=...` shows the entries themselves).
public struct BanCause: Hashable, Sendable {
    /// What the jail's failures were counted under (fail2ban's `<fid>`, usually the address);
    /// the target may be wider, a network around it.
    public var failureID: String?
    /// The journal cursor of the entry whose failure triggered the ban.
    public var triggerCursor: String?
    /// The journal cursors of the failures that were counted, oldest first.
    public var failureCursors: [String]
    /// The matched log lines, when the jail keeps them.
    public var matchedLines: [String]

    public init(failureID: String? = nil, triggerCursor: String? = nil, failureCursors: [String] = [], matchedLines: [String] = []) {
        self.failureID = failureID
        self.triggerCursor = triggerCursor
        self.failureCursors = failureCursors
        self.matchedLines = matchedLines
    }
}
