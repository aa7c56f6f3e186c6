import CSystemd
import Glibc

/// What an audit entry records. Each kind has its own `MESSAGE_ID`, explained in
/// `systemd/bailiff.catalog`, so `journalctl MESSAGE_ID=...` or `journalctl -x` finds and
/// explains them.
public enum AuditEvent: String, Sendable, CaseIterable {
    case ban, unban, expiry, restore, reload, reloadFailed = "reload-failed", start, stop, actionFailed = "action-failed"

    public var messageID: String {
        switch self {
        case .ban: "2b14df6284dd4ad1bb198632336f7b98"
        case .unban: "7dfe647f1aaa4f4084f11198a7d4a16f"
        case .expiry: "da150098908040cfbaf2f97b878a3207"
        case .restore: "9571c9b99611415c80e2b4c8382b5164"
        case .reload: "51c565fe0ff04a49af5f7fa4e694fb5c"
        case .reloadFailed: "d8f97e259ec54272b8e2b8210d0a0833"
        case .start: "3a07c131ecb84d7ea0e7f73b0d54be02"
        case .stop: "231f3a3c725a4e388c152b23b93a6a4c"
        case .actionFailed: "441bdfb7cd6f425ba00705ddf7364996"
        }
    }

    /// syslog priority: bans and failures stand out from routine events.
    var priority: Int {
        switch self {
        case .actionFailed, .reloadFailed: 3
        case .ban, .unban, .expiry: 5
        default: 6
        }
    }
}

/// One structured journal entry: a human message plus `BAILIFF_*` fields. A field may
/// repeat (the cursors of the entries that caused a ban).
public struct AuditEntry: Sendable, Equatable {
    public var event: AuditEvent
    public var message: String
    public var fields: [(name: String, value: String)]

    public init(_ event: AuditEvent, _ message: String, fields: [(name: String, value: String)] = []) {
        self.event = event
        self.message = message
        self.fields = fields
    }

    public static func == (left: AuditEntry, right: AuditEntry) -> Bool {
        left.event == right.event && left.message == right.message
            && left.fields.map(\.name) == right.fields.map(\.name) && left.fields.map(\.value) == right.fields.map(\.value)
    }

    /// Every field of the entry as the journal stores it, `NAME=value`.
    public var journalFields: [String] {
        ["MESSAGE=\(message)", "MESSAGE_ID=\(event.messageID)", "PRIORITY=\(event.priority)", "SYSLOG_IDENTIFIER=bailiffd",
         "BAILIFF_EVENT=\(event.rawValue)"]
            + fields.map { "\($0.name)=\($0.value)" }
    }
}

/// Writes audit entries to the journal with sd_journal_sendv. An entry that cannot be
/// written is reported to the caller, which logs it elsewhere; auditing never stops bans.
public struct AuditLog: Sendable {
    public init() {}

    @discardableResult
    public func record(_ entry: AuditEntry) -> Int32 {
        // Each field is its own iovec, so a newline inside a value (from a log line) stays
        // inside that field. All fields share one buffer.
        var bytes: [UInt8] = []
        var ranges: [Range<Int>] = []
        for field in entry.journalFields {
            let start = bytes.count
            bytes.append(contentsOf: field.utf8)
            ranges.append(start..<bytes.count)
        }
        return bytes.withUnsafeMutableBytes { buffer in
            var vectors = ranges.map { iovec(iov_base: buffer.baseAddress! + $0.lowerBound, iov_len: $0.count) }
            return sd_journal_sendv(&vectors, Int32(vectors.count))
        }
    }
}
