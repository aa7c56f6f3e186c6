import BailiffJournal
import CSystemd
import Glibc

/// bailiffd's own audit entries, read back from the local system journal that `AuditLog`
/// sends them to. Not Sendable: it holds a journal handle (see `JournalReader`).
final class AuditJournal {
    /// What tells one ban entry from another: a target's nth ban in a jail.
    struct BanKey: Hashable {
        var jail: String
        var target: String
        var banNumber: Int
    }

    private let reader: JournalReader

    init() throws(JournalError) {
        reader = try JournalReader(source: .system)
    }

    /// Waits up to `timeout` seconds until this process's entry of `event`, received at or
    /// after `since`, can be read; false if it did not appear in time. journald takes the
    /// datagrams sent to it in order, so once it shows that entry it shows every entry sent
    /// before it, a dead process's last ones included.
    func waitForOwnEntry(_ event: AuditEvent, since: Double, timeout: Double) throws -> Bool {
        let deadline = EventLoop.monotonicNow() + timeout
        // The boot and the time rule out an earlier process that had the same PID.
        let own = try JournalMatch(alternatives: [[
            .init(field: "MESSAGE_ID", value: event.messageID), .init(field: "_PID", value: String(getpid())),
            .init(field: "_BOOT_ID", value: try Self.bootID()),
        ]])
        try reader.setMatches(JournalMatchSet([own]))
        try reader.seek(time: since)
        while try reader.next() == nil {
            let left = deadline - EventLoop.monotonicNow()
            guard left > 0 else { return false }
            _ = try reader.wait(timeout: .milliseconds(Int64((left * 1000).rounded(.up))))
        }
        return true
    }

    /// The ban entries received at or after `since`.
    func banEntries(since: Double) throws -> Set<BanKey> {
        let bans = try JournalMatch(alternatives: [[.init(field: "MESSAGE_ID", value: AuditEvent.ban.messageID)]])
        try reader.setMatches(JournalMatchSet([bans], additionalFields: ["BAILIFF_JAIL", "BAILIFF_IP", "BAILIFF_BANCOUNT"]))
        try reader.seek(time: since)
        var keys = Set<BanKey>()
        while let entry = try reader.next() {
            guard let jail = entry.value(of: "BAILIFF_JAIL"), let target = entry.value(of: "BAILIFF_IP"),
                let number = entry.value(of: "BAILIFF_BANCOUNT").flatMap({ Int(String(decoding: $0, as: UTF8.self)) })
            else { continue }
            keys.insert(BanKey(jail: String(decoding: jail, as: UTF8.self), target: String(decoding: target, as: UTF8.self), banNumber: number))
        }
        return keys
    }

    /// This boot's id as the journal's `_BOOT_ID` field spells it: 32 lowercase hex digits.
    private static func bootID() throws(JournalError) -> String {
        var id = sd_id128_t()
        let result = sd_id128_get_boot(&id)
        if result < 0 { throw JournalError.failed(action: "reading the boot id", errno: -result) }
        return withUnsafeBytes(of: id.bytes) { bytes in
            bytes.map { byte in (byte < 16 ? "0" : "") + String(byte, radix: 16) }.joined()
        }
    }
}
