/// The commands an action file may define, by their option names.
public enum ActionCommand: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    case start = "actionstart"
    case stop = "actionstop"
    case check = "actioncheck"
    case repair = "actionrepair"
    case flush = "actionflush"
    case ban = "actionban"
    case unban = "actionunban"
    /// bailiff extension: one process for many bans, fed one `banBatchItem` line per ban on stdin.
    case banBatch = "actionban_batch"
    case banBatchItem = "actionban_batch_item"
    case unbanBatch = "actionunban_batch"
    case unbanBatchItem = "actionunban_batch_item"
    /// bailiff extension: prints the addresses and networks this action blocks, one per line.
    case list = "actionlist"

    /// The commands bailiff adds to fail2ban's set.
    public static let extensions: [ActionCommand] = [.banBatch, .banBatchItem, .unbanBatch, .unbanBatchItem, .list]

    /// Lines read by a firewall tool rather than a shell.
    var isBatchItem: Bool { self == .banBatchItem || self == .unbanBatchItem }

    public var description: String { rawValue }
}
