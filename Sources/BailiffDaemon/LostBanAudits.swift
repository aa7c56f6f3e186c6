import BailiffBans
import Glibc

/// Writes the ban audit entries a crash kept out of the journal, once each. A new ban is
/// marked in the store until its entry has been sent; a kill in between (the store's flush
/// can take a while) leaves bans in the store and the kernel with no entry, or with one
/// sent but the mark still set. At start the journal itself tells which marked bans have
/// their entry.
struct LostBanAudits {
    /// How long to wait for journald to show this process's start entry.
    static let journalWait = 2.0
    /// How long before its ban an entry may have been received: a ban's time is that of the
    /// failure that triggered it, which comes from the log line and another clock.
    static let lookBack = 60.0
    /// How long before it was sent the start entry is looked for (clock steps, rounding).
    static let startSlack = 10.0

    let store: BanStore
    let audit: AuditLog
    let log: (String) -> Void

    /// Call after this process's start entry was sent at `sentAt`; `sent` is what
    /// `AuditLog.record` returned for it.
    func write(afterStartEntry sent: Int32, sentAt: Double) {
        let marked: [(ban: Ban, cause: BanCause)]
        do throws(BanStoreError) {
            marked = try store.bansAwaitingAudit()
        } catch {
            log("error: \(error)")
            return
        }
        guard let earliest = marked.first?.ban.bannedAt else { return }
        var inJournal = Set<AuditJournal.BanKey>()
        if sent < 0 {
            // No journald to ask (and none to write to): the entries fail as the start one did.
            log("warning: the journal refused the start entry (\(String(cString: strerror(-sent)))); "
                + "\(marked.count) ban entries that may be missing are written without checking")
        } else {
            do {
                let journal = try AuditJournal()
                if try !journal.waitForOwnEntry(.start, since: sentAt - Self.startSlack, timeout: Self.journalWait) {
                    log("warning: the start entry did not show in the journal within \(Int(Self.journalWait)) s; "
                        + "a ban entry still on its way there may be written twice")
                }
                inJournal = try journal.banEntries(since: earliest - Self.lookBack)
            } catch {
                // A repeated entry is better than a missing one.
                log("warning: cannot read the ban entries back from the journal (\(error)); "
                    + "\(marked.count) that may be missing are written without checking")
            }
        }
        var written = 0
        var settled: [Ban] = []
        for (ban, cause) in marked {
            if inJournal.contains(AuditJournal.BanKey(jail: ban.jail, target: ban.target, banNumber: ban.banNumber)) {
                settled.append(ban)
                continue
            }
            let result = audit.record(.ban(ban, cause: cause))
            if result >= 0 { written += 1 }
            // journald took the start entry but not this one: the mark stays for the next start.
            if result >= 0 || sent < 0 { settled.append(ban) }
        }
        if written > 0 { log("wrote \(written) ban audit entries lost in a crash") }
        do throws(BanStoreError) {
            try store.clearAuditMarks(settled)
        } catch {
            log("error: \(error)")
        }
    }
}
