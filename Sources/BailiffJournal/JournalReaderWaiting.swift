import CSystemd
import Glibc

/// What `JournalReader.process()` found.
public enum JournalChange: Equatable, Sendable {
    /// Nothing new.
    case nop
    /// Entries were appended.
    case append
    /// Files were added or removed (rotation, vacuuming): read on as for `.append`.
    case invalidate
}

extension JournalReader {
    /// The descriptor to poll for journal changes (inotify); libsystemd owns it.
    public var fileDescriptor: Int32 {
        get throws(JournalError) {
            try JournalError.check(sd_journal_get_fd(journal), "getting the wake-up descriptor of \(source)")
        }
    }

    /// The poll events to wait for on `fileDescriptor`.
    public var events: Int16 {
        get throws(JournalError) {
            Int16(truncatingIfNeeded: try JournalError.check(sd_journal_get_events(journal), "getting the poll events of \(source)"))
        }
    }

    /// How long a poll may wait before `process()` must run anyway; nil for no limit.
    public var timeout: Duration? {
        get throws(JournalError) {
            var deadline: UInt64 = 0
            try JournalError.check(sd_journal_get_timeout(journal, &deadline), "getting the wake-up timeout of \(source)")
            if deadline == UInt64.max { return nil }
            // libsystemd gives an absolute CLOCK_MONOTONIC time.
            var now = timespec()
            clock_gettime(CLOCK_MONOTONIC, &now)
            let nowMicroseconds = UInt64(now.tv_sec) * 1_000_000 + UInt64(now.tv_nsec) / 1_000
            return .microseconds(Int64(clamping: deadline > nowMicroseconds ? deadline - nowMicroseconds : 0))
        }
    }

    /// Handles what woke `fileDescriptor`: opens new files, closes deleted ones.
    public func process() throws(JournalError) -> JournalChange {
        keepLastEntryCursor()
        switch try JournalError.check(sd_journal_process(journal), "processing changes of \(source)") {
        case Int32(SD_JOURNAL_APPEND): return .append
        case Int32(SD_JOURNAL_INVALIDATE): return .invalidate
        default: return .nop
        }
    }

    /// Waits until the journal changes or `timeout` passes (nil: no limit), then processes
    /// the change. A signal ends the wait early and reports `.nop` unless something changed.
    public func wait(timeout: Duration?) throws(JournalError) -> JournalChange {
        var descriptor = pollfd(fd: try fileDescriptor, events: try events, revents: 0)
        var limit = timeout
        if let journalLimit = try self.timeout { limit = min(limit ?? journalLimit, journalLimit) }
        let milliseconds: Int32
        if let limit {
            // Round up, so a short timeout does not turn into a busy loop of zero-length polls.
            let (seconds, attoseconds) = limit.components
            let wholeSeconds = min(max(0, seconds), Int64(Int32.max / 1_000))
            let total = wholeSeconds * 1_000 + (max(0, attoseconds) + 999_999_999_999_999) / 1_000_000_000_000_000
            milliseconds = Int32(clamping: total)
        } else {
            milliseconds = -1
        }
        if poll(&descriptor, 1, milliseconds) < 0, errno != EINTR {
            throw JournalError.failed(action: "waiting for changes of \(source)", errno: errno)
        }
        return try process()
    }
}
