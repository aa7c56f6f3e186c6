import BailiffBans

/// The audit entries of bans, built in one place: an entry written again after a crash must
/// be the one the ban would have had.
extension AuditEntry {
    /// A new ban: its fields, the failure id, and the cursors of the entries that caused it.
    static func ban(_ ban: Ban, cause: BanCause) -> AuditEntry {
        var fields = banFields(of: ban)
        if let failureID = cause.failureID { fields.append(("BAILIFF_FID", failureID)) }
        if let trigger = cause.triggerCursor { fields.append(("BAILIFF_TRIGGER_CURSOR", trigger)) }
        for cursor in cause.failureCursors { fields.append(("BAILIFF_CAUSE_CURSOR", cursor)) }
        return AuditEntry(.ban, "[\(ban.jail)] Ban \(ban.target)", fields: fields)
    }

    /// The fields every entry about a ban carries.
    static func banFields(of ban: Ban) -> [(name: String, value: String)] {
        [
            ("BAILIFF_JAIL", ban.jail), ("BAILIFF_IP", ban.target), ("BAILIFF_FAILURES", String(ban.failures)),
            ("BAILIFF_BANTIME", ban.duration.seconds.map { String(Int($0)) } ?? "-1"), ("BAILIFF_BANCOUNT", String(ban.banNumber)),
            ("BAILIFF_SOURCE", ban.source.rawValue),
        ]
    }
}
