import Glibc

/// A plain thread for work that blocks (spawning commands) while the test thread reads
/// the journal; Swift's cooperative pool is no place to block.
final class BackgroundThread {
    private final class Body {
        let run: @Sendable () -> Void
        init(_ run: @escaping @Sendable () -> Void) { self.run = run }
    }

    private var thread = pthread_t()

    init(_ body: @escaping @Sendable () -> Void) {
        let context = Unmanaged.passRetained(Body(body)).toOpaque()
        let result = pthread_create(&thread, nil, { context in
            Unmanaged<Body>.fromOpaque(context!).takeRetainedValue().run()
            return nil
        }, context)
        precondition(result == 0, "pthread_create failed: \(result)")
    }

    func join() {
        pthread_join(thread, nil)
    }
}

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
