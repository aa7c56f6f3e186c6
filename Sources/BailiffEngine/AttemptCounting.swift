/// How much one filter failure adds to its window.
public enum AttemptCounting: Sendable, Equatable {
    /// Every failure counts once, however many matched lines it merges. This is what
    /// decides bans in fail2ban: `Filter.processLineAndAdd` hands each failure to
    /// `FailManager.addFailure` with `count=1`, which adds 1 to the ticket's retry count
    /// (only the manual `attempt` command counts each of its lines).
    case perFailure
    /// A failure counts as many times as it has matched lines (`Failure.attempts`), so a
    /// multi-line failure that merged earlier pending lines counts them too. Bans sooner
    /// than fail2ban for filters that merge lines.
    case perMatchedLine
}
