import BailiffDaemon
import Glibc
import Synchronization
import Testing

@Suite struct EventLoopTests {
    @Test func timersRunInDeadlineOrderAndCancelledOnesDoNot() throws {
        let loop = EventLoop()
        var fired: [String] = []
        loop.schedule(after: 0.03) { fired.append("late"); loop.stop() }
        loop.schedule(after: 0.01) { fired.append("early") }
        let cancelled = loop.schedule(after: 0.02) { fired.append("cancelled") }
        loop.cancel(cancelled)
        let start = EventLoop.monotonicNow()
        try loop.run()
        #expect(fired == ["early", "late"])
        #expect(EventLoop.monotonicNow() - start >= 0.03)
    }

    @Test func readableDescriptorsAreDispatchedAndCanBeUnwatched() throws {
        var ends: [Int32] = [0, 0]
        #expect(pipe(&ends) == 0)
        defer { close(ends[0]); close(ends[1]) }
        let loop = EventLoop()
        var received: [UInt8] = []
        var watch: EventLoop.WatchID?
        watch = loop.watch(ends[0], events: Int16(POLLIN)) { events in
            #expect(events & Int16(POLLIN) != 0)
            var byte: UInt8 = 0
            _ = read(ends[0], &byte, 1)
            received.append(byte)
            if received.count == 2 { loop.unwatch(watch!) }
        }
        for byte: UInt8 in [7, 8, 9] { var value = byte; _ = write(ends[1], &value, 1) }
        for _ in 0..<5 { try loop.runOnce(waitingAtMost: EventLoop.monotonicNow() + 0.05) }
        // The third byte stays unread once the watch is gone.
        #expect(received == [7, 8])
    }

    @Test func mailboxDeliversMessagesFromOtherThreadsInOrder() async throws {
        let loop = EventLoop()
        let mailbox = try Mailbox<Int>()
        var received: [Int] = []
        mailbox.attach(to: loop) { message in
            received.append(message)
            if received.count == 1000 { loop.stop() }
        }
        let sender = Task.detached { for value in 0..<1000 { mailbox.send(value) } }
        try loop.run()
        await sender.value
        #expect(received == Array(0..<1000))
    }

    @Test func preparationsBoundTheWait() throws {
        let loop = EventLoop()
        var prepared = 0
        loop.beforeEachWait {
            prepared += 1
            return EventLoop.monotonicNow() + 0.01
        }
        let start = EventLoop.monotonicNow()
        for _ in 0..<3 { try loop.runOnce() }
        #expect(prepared == 3)
        #expect(EventLoop.monotonicNow() - start < 1)
    }
}

/// Signals arrive as loop events. Serialized: the signal mask is process-wide state.
@Suite(.serialized) struct SignalSourceTests {
    @Test func blockedSignalsArriveThroughTheLoop() throws {
        let loop = EventLoop()
        let signals = try SignalSource(signals: [SIGUSR1, SIGUSR2])
        var received: [Int32] = []
        signals.attach(to: loop) { signal in
            received.append(signal)
            if received.count == 2 { loop.stop() }
        }
        // To the process: any thread may take them, the handler forwards them to the loop.
        kill(getpid(), SIGUSR1)
        kill(getpid(), SIGUSR2)
        loop.schedule(after: 5) { loop.stop() }
        try loop.run()
        #expect(Set(received) == [SIGUSR1, SIGUSR2])
    }
}
