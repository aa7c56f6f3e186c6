import BailiffNetwork
import Glibc
import Synchronization

/// The write end of the pipe the signal handler writes to; -1 before the first source.
private let signalPipe = Atomic<Int32>(-1)

/// Writes the signal number to the pipe: the only thing a handler can safely do.
private func forwardSignal(_ signal: Int32) {
    let descriptor = signalPipe.load(ordering: .relaxed)
    guard descriptor >= 0 else { return }
    let saved = errno
    var byte = UInt8(truncatingIfNeeded: signal)
    _ = write(descriptor, &byte, 1)
    errno = saved
}

/// Delivers signals to the event loop as ordinary readable events, so a SIGHUP reload or a
/// SIGTERM stop runs between two handlers, never inside one.
///
/// A handler writes each signal to a pipe the loop watches (the self-pipe pattern). Unlike
/// signalfd, this does not depend on every thread of the process blocking the signals:
/// libraries start threads of their own with masks of their own.
public final class SignalSource {
    private let readEnd: Int32

    /// One source per process.
    public init(signals: [Int32]) throws(SystemCallError) {
        var ends: [Int32] = [0, 0]
        guard pipe(&ends) == 0 else { throw SystemCallError.errno("pipe") }
        for end in ends {
            _ = fcntl(end, F_SETFD, FD_CLOEXEC)
            _ = fcntl(end, F_SETFL, fcntl(end, F_GETFL) | O_NONBLOCK)
        }
        readEnd = ends[0]
        signalPipe.store(ends[1], ordering: .relaxed)
        for signal in signals {
            var action = sigaction()
            action.__sigaction_handler.sa_handler = forwardSignal
            action.sa_flags = SA_RESTART
            sigemptyset(&action.sa_mask)
            guard sigaction(signal, &action, nil) == 0 else { throw SystemCallError.errno("sigaction") }
        }
    }

    deinit { close(readEnd) }

    /// Calls `receive` on the loop's thread with each signal number that arrived.
    public func attach(to loop: EventLoop, receive: @escaping (Int32) -> Void) {
        loop.watch(readEnd, events: Int16(POLLIN)) { [self] _ in
            var bytes = [UInt8](repeating: 0, count: 64)
            while true {
                let count = read(readEnd, &bytes, bytes.count)
                guard count > 0 else { break }
                for byte in bytes[..<count] { receive(Int32(byte)) }
            }
        }
    }
}
