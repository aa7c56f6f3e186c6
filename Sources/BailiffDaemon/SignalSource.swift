import BailiffNetwork
import CLinux
import Glibc

/// Delivers signals to the event loop as ordinary readable events (signalfd), so a
/// SIGHUP reload or SIGTERM stop runs between two handlers, never inside one.
///
/// The signals are blocked in the calling thread; create the source before starting any
/// other thread, so that every thread inherits the mask and none takes them asynchronously.
public final class SignalSource {
    private let descriptor: Int32

    public init(signals: [Int32]) throws(SystemCallError) {
        var mask = sigset_t()
        sigemptyset(&mask)
        for signal in signals { sigaddset(&mask, signal) }
        guard pthread_sigmask(SIG_BLOCK, &mask, nil) == 0 else { throw SystemCallError.errno("pthread_sigmask") }
        let descriptor = signalfd(-1, &mask, Int32(SFD_NONBLOCK | SFD_CLOEXEC))
        guard descriptor >= 0 else { throw SystemCallError.errno("signalfd") }
        self.descriptor = descriptor
    }

    deinit { close(descriptor) }

    /// Calls `receive` on the loop's thread with each signal number that arrived.
    public func attach(to loop: EventLoop, receive: @escaping (Int32) -> Void) {
        loop.watch(descriptor, events: Int16(POLLIN)) { [self] _ in
            var info = signalfd_siginfo()
            while read(descriptor, &info, MemoryLayout<signalfd_siginfo>.size) == MemoryLayout<signalfd_siginfo>.size {
                receive(Int32(info.ssi_signo))
            }
        }
    }
}
