import BailiffTestSupport
import Glibc

/// This process's descriptors open on files of the namespaced runtime journal.
func openJournalDescriptors() -> (open: Int, deleted: Int) {
    var open = 0
    var deleted = 0
    for name in directoryEntries("/proc/self/fd") {
        guard let target = readLink("/proc/self/fd/\(name)"), target.contains("/run/log/journal/"), target.contains(".journal") else { continue }
        open += 1
        if target.hasSuffix(" (deleted)") { deleted += 1 }
    }
    return (open, deleted)
}
