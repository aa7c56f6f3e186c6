import Glibc
import Synchronization

/// Keeps a journal reader alive when journal files shrink underneath it.
///
/// sd-journal reads journal files through memory maps. journald truncates files it archives,
/// and vacuuming deallocates deleted files that readers still hold; a reader touching such a
/// page before `sd_journal_process` has dropped the file gets SIGBUS, which kills the process.
/// journalctl survives through a handler inside libsystemd that readers cannot use (systemd
/// issues #24320, #33277), so a long-running reader must install its own.
///
/// The guard maps a zero page over the page that faulted and lets the read go on: sd-journal
/// then sees an empty or corrupt object, drops that file and carries on. It is process-wide and
/// handles only faults on pages beyond the end of a mapped file (`BUS_ADRERR`); any other SIGBUS
/// goes to the handler that was installed before.
public enum JournalBusErrorGuard {
    private static let installed = Mutex(false)

    /// Installs the guard (once; later calls do nothing). Call it before reading, in the
    /// process that owns the readers.
    public static func install() throws(JournalError) {
        let failure: Int32? = installed.withLock { done in
            if done { return nil }
            var action = sigaction()
            action.__sigaction_handler.sa_sigaction = handleBusError
            action.sa_flags = SA_SIGINFO | SA_NODEFER
            sigemptyset(&action.sa_mask)
            guard sigaction(SIGBUS, &action, &previousAction) == 0 else { return errno }
            done = true
            return nil
        }
        if let failure { throw JournalError.failed(action: "installing the SIGBUS handler for journal reading", errno: failure) }
    }
}

/// The handler in place before the guard, for the faults it does not handle. Written once by
/// `install()` (under its lock) before the guard can run, then only read by the handler.
nonisolated(unsafe) private var previousAction = sigaction()

/// Runs in signal context: only async-signal-safe calls, nothing that allocates.
private let handleBusError: @convention(c) (Int32, UnsafeMutablePointer<siginfo_t>?, UnsafeMutableRawPointer?) -> Void = { signal, info, context in
    if let info, info.pointee.si_code == BUS_ADRERR, let address = info.pointee._sifields._sigfault.si_addr {
        let pageSize = UInt(sysconf(Int32(_SC_PAGESIZE)))
        let page = UnsafeMutableRawPointer(bitPattern: UInt(bitPattern: address) & ~(pageSize - 1))
        let mapped = mmap(page, Int(pageSize), PROT_READ, MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)
        if mapped == page { return }
    }
    // Not ours: hand the signal on as if the guard were not there.
    if previousAction.sa_flags & SA_SIGINFO != 0, let chained = previousAction.__sigaction_handler.sa_sigaction {
        chained(signal, info, context)
        return
    }
    var restore = previousAction
    sigaction(SIGBUS, &restore, nil)
    // Returning re-runs the faulting access, which now meets the previous disposition.
}
