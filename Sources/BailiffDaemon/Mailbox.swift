import BailiffNetwork
import CLinux
import Glibc
import Synchronization

/// Messages from other threads (finished firewall commands, for instance) to the event loop.
/// Senders append under a lock and wake the loop through an eventfd; the loop drains them
/// all at once and hands each to the receiver it registered on its own thread.
public final class Mailbox<Message: Sendable>: Sendable {
    private let pending = Mutex<[Message]>([])
    private let wakeup: Int32

    public init() throws(SystemCallError) {
        let descriptor = eventfd(0, Int32(EFD_NONBLOCK | EFD_CLOEXEC))
        guard descriptor >= 0 else { throw SystemCallError.errno("eventfd") }
        wakeup = descriptor
    }

    deinit { close(wakeup) }

    /// From any thread.
    public func send(_ message: Message) {
        pending.withLock { $0.append(message) }
        var one: UInt64 = 1
        _ = write(wakeup, &one, MemoryLayout<UInt64>.size)
    }

    /// Delivers messages to `receive` on the loop's thread, in the order they were sent.
    public func attach(to loop: EventLoop, receive: @escaping (Message) -> Void) {
        loop.watch(wakeup, events: Int16(POLLIN)) { [self] _ in
            var count: UInt64 = 0
            _ = read(wakeup, &count, MemoryLayout<UInt64>.size)
            for message in pending.withLock({ messages in defer { messages.removeAll() }; return messages }) {
                receive(message)
            }
        }
    }
}
