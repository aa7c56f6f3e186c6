import BailiffControl
import BailiffTestSupport
import Foundation
import Glibc
import Synchronization
import Testing

/// Hostile clients on the control socket of a running bailiffd: garbage, a 100 MiB message,
/// 1000 idle connections and a client that never reads, all at once. Others are still served
/// within seconds and the daemon keeps reading the journal and banning.
@Suite(.serialized, .enabled(if: getuid() == 0, "needs root for mount and network namespaces"))
struct LiveDaemonAbuseTests {
    /// How a writer thread's sending ended.
    enum Ending: Equatable, Sendable {
        /// The daemon closed the connection, after `bytes` were sent.
        case closed(bytes: Int)
        /// Everything was sent.
        case sentAll
        /// A send blocked for longer than the socket's send timeout.
        case stalled(bytes: Int)
    }

    /// Sends `chunk` `times` times (after `prefix`), stopping at the first failed send.
    static func sendRepeatedly(_ chunk: [UInt8], times: Int, prefix: [UInt8] = [], on descriptor: Int32) -> Ending {
        var total = 0
        for bytes in [prefix] + Array(repeating: chunk, count: times) {
            var offset = 0
            while offset < bytes.count {
                let sent = bytes.withUnsafeBytes { send(descriptor, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL)) }
                if sent < 0 {
                    if errno == EINTR { continue }
                    return errno == EAGAIN ? .stalled(bytes: total) : .closed(bytes: total)
                }
                offset += sent
                total += sent
            }
        }
        return .sentAll
    }

    /// A blocking send that gives up after `seconds`, so a daemon that stops reading cannot hang the test.
    static func limitSending(_ descriptor: Int32, seconds: Int) {
        var timeout = timeval(tv_sec: seconds, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    @Test func abusiveClientsNeitherStallTheDaemonNorStopItsReading() throws {
        // The test holds 1000 connections; the daemon gets systemd's default soft limit, 1024,
        // so accepting past it would fail if it did not keep its connections bounded.
        raiseDescriptorLimit(to: 4096)
        let lab = try LiveDaemonLab(jailLocal: LiveDaemonClientTests.jailLocal())
        try lab.startDaemon(descriptorLimit: 1024)
        let pid = try #require(lab.daemonPID)
        let limits = try readFile("/proc/\(pid)/limits").split(separator: "\n").first { $0.hasPrefix("Max open files") }
        #expect(limits?.split(separator: " ").suffix(3) == ["1024", "1024", "files"], "\(String(describing: limits))")

        // 1000 idle connections: the daemon keeps 256 at most, closing the longest idle first.
        var idle: [RawConnection] = []
        for _ in 0..<1000 { idle.append(try RawConnection(path: lab.socket)) }

        let garbage = try RawConnection(path: lab.socket)
        #expect(garbage.write(Array("\u{1}\u{2}garbage{\"".utf8) + [0]))

        // "{"method":"" and then 100 MiB of a string that never ends.
        let flooding = try RawConnection(path: lab.socket)
        let floodDescriptor = flooding.descriptor
        Self.limitSending(floodDescriptor, seconds: 15)
        let flood = Mutex<Ending?>(nil)
        let floodWriter = BackgroundThread {
            let ending = Self.sendRepeatedly([UInt8](repeating: UInt8(ascii: "a"), count: 1 << 20), times: 100, prefix: Array("{\"method\":\"".utf8), on: floodDescriptor)
            flood.withLock { $0 = ending }
        }
        defer { floodWriter.join() }

        // Calls, calls and calls, and never a reply read.
        let greedy = try RawConnection(path: lab.socket)
        let greedyDescriptor = greedy.descriptor
        Self.limitSending(greedyDescriptor, seconds: 15)
        let calls = Mutex<Ending?>(nil)
        let callWriter = BackgroundThread {
            let chunk = Array(String(repeating: #"{"method":"io.bailiff.GetStatus"}"# + "\0", count: 1000).utf8)
            let ending = Self.sendRepeatedly(chunk, times: 100, on: greedyDescriptor)
            calls.withLock { $0 = ending }
        }
        defer { callWriter.join() }

        // While all of them are connected, a client is answered within seconds.
        let asked = Date()
        let status = try lab.bailiff(["status", "--timeout", "5"])
        #expect(status.status == 0, "\(status); log: \(lab.log)")
        #expect(Date().timeIntervalSince(asked) < 5)
        #expect(status.standardOutput.contains("sshd"))

        // And the journal is still read: a new attacker is banned.
        let attacker = "198.51.100.40"
        try lab.fail([attacker, attacker, attacker])
        #expect(try eventually(seconds: 20) { try lab.bans()[attacker] != nil }, "log: \(lab.log)")
        #expect(eventually(seconds: 10) { lab.nftablesBans() == [attacker] })

        // What each abuser got.
        let garbageReply = garbage.receiveObject()
        #expect(garbageReply?.errorName == "org.varlink.service.InvalidParameter")
        #expect(garbageReply?.parameters?["parameter"] as? String == "message")
        #expect(garbage.receive() == .closed)

        #expect(eventually(seconds: 20) { flood.withLock { $0 } != nil })
        let floodEnding = flood.withLock { $0 }
        if case .closed(let floodBytes) = floodEnding {
            #expect(floodBytes < 8 << 20, "the daemon kept reading \(floodBytes) bytes of one message")
        } else {
            Issue.record("the 100 MiB message was not cut off: \(String(describing: floodEnding))")
        }
        let floodReply = flooding.receiveObject()
        #expect(floodReply?.errorName == "org.varlink.service.InvalidParameter")
        #expect(floodReply?.parameters?["parameter"] as? String == "message")
        #expect(flooding.receive() == .closed)

        #expect(eventually(seconds: 20) { calls.withLock { $0 } != nil })
        let callsEnding = calls.withLock { $0 }
        if case .closed = callsEnding {} else {
            Issue.record("a client that never reads its replies is disconnected once 1 MiB of them waits: \(String(describing: callsEnding))")
        }

        // The oldest idle connections were the ones closed; the newest are still open.
        #expect(idle[0].receive(timeout: .seconds(1)) == .closed)
        #expect(idle[999].receive(timeout: .milliseconds(50)) == .timedOut)

        #expect(lab.daemonIsRunning)
        let ping = try lab.bailiff(["ping", "--timeout", "5"])
        #expect(ping.status == 0, "\(ping)")
        #expect(lab.stopDaemon() == 0, "log: \(lab.log)")
        #expect(!lab.log.contains("Too many open files"), "log: \(lab.log)")
        // The writers use these connections' descriptors until they are joined.
        callWriter.join()
        floodWriter.join()
        withExtendedLifetime((idle, garbage, flooding, greedy)) {}
    }
}
