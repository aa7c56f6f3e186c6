import BailiffControl
import BailiffTestSupport
import Foundation
import Glibc
import Synchronization
import Testing

/// Reloads, clean restarts and crashes of bailiffd while failures keep coming: afterwards its
/// bans are exactly those of a daemon that read the same entries in one go.
@Suite(.serialized, .enabled(if: getuid() == 0, "needs root for mount and network namespaces"))
struct LiveDaemonContinuityTests {
    static let maxretry = 5
    static let jailLocal = LiveDaemonClientTests.jailLocal(maxretry: String(maxretry))

    enum Disruption: CustomStringConvertible {
        case sighup, reloadCall, restart, crash
        var description: String {
            switch self {
            case .sighup: "SIGHUP"
            case .reloadCall: "io.bailiff.Reload"
            case .restart: "SIGTERM and start"
            case .crash: "SIGKILL and start"
            }
        }
    }

    /// 100 addresses fail exactly maxretry times and 100 one time short, so one failure lost
    /// turns a ban into none and one counted twice turns none into a ban; the cause cursors
    /// of every ban must be exactly its address's entries. Address k starts failing at slot
    /// 4k and fails every 40 slots: many addresses are in flight at any time, and bans fall
    /// all along the stream, so every disruption lands among failures and bans.
    @Test func reloadsAndRestartsUnderASteadyStreamLoseAndRepeatNothing() throws {
        let banID = try LiveDaemonLab.catalogMessageID(subject: "bailiff banned")
        let lab = try LiveDaemonLab(jailLocal: Self.jailLocal)
        try lab.startDaemon()

        let reaching = (1...100).map { "198.51.100.\($0)" }
        let short = (1...100).map { "203.0.113.\($0)" }
        var slots: [(slot: Int, address: Int)] = []
        for address in 0..<200 {
            let failures = address.isMultiple(of: 2) ? Self.maxretry : Self.maxretry - 1
            for failure in 0..<failures { slots.append((address * 4 + failure * 40, address)) }
        }
        let addresses = slots.sorted { ($0.slot, $0.address) < ($1.slot, $1.address) }.map { slot in
            slot.address.isMultiple(of: 2) ? reaching[slot.address / 2] : short[slot.address / 2]
        }
        let lines = addresses.map(LiveDaemonLab.failureLine)

        // 9 lines every 100 ms: 900 lines in about 10 s, a steady stream under the disruptions.
        let stream = lab.sshd
        let written = Atomic<Int>(0)
        let abandon = Atomic<Bool>(false)
        let writeError = Mutex<String?>(nil)
        let writer = BackgroundThread {
            for start in stride(from: 0, to: lines.count, by: 9) where !abandon.load(ordering: .relaxed) {
                let end = min(start + 9, lines.count)
                do {
                    try stream.write(Array(lines[start..<end]))
                } catch {
                    writeError.withLock { $0 = "\(error)" }
                    return
                }
                written.store(end, ordering: .releasing)
                usleep(100_000)
            }
        }
        defer {
            abandon.store(true, ordering: .relaxed)
            writer.join()
        }

        let schedule: [(at: Int, Disruption)] = [
            (60, .sighup), (150, .restart), (240, .sighup), (300, .reloadCall), (380, .crash), (470, .sighup),
            (540, .restart), (620, .sighup), (700, .crash), (780, .sighup), (840, .restart),
        ]
        for (at, disruption) in schedule {
            #expect(eventually(seconds: 30) { written.load(ordering: .acquiring) >= at || writeError.withLock { $0 } != nil })
            try disrupt(lab, with: disruption)
        }
        writer.join()
        #expect(writeError.withLock { $0 } == nil)

        // The journal holds every line once, in order: what follows is the daemon's doing.
        var entries = try lab.waitForSshdEntries(lines.count)
        try #require(entries.map(\.message) == lines, "the journal holds the \(lines.count) lines written")
        #expect(try lab.waitUntilCaughtUp(), "log: \(lab.log)")
        let afterStream = try lab.bans()
        #expect(Set(afterStream.keys) == Set(reaching), "banned: only and all the addresses that reached maxretry")
        #expect(afterStream.values.allSatisfy { $0.failures == Self.maxretry && $0.banCount == 1 }, "\(afterStream.values.filter { $0.failures != Self.maxretry || $0.banCount != 1 })")
        #expect(eventually(seconds: 10) { lab.nftablesBans() == Set(reaching) }, "in the kernel: \(lab.nftablesBans().count)")

        // One ban entry per address, caused by exactly that address's entries.
        let cursorsByAddress = Dictionary(grouping: zip(addresses, entries.map(\.cursor)), by: \.0).mapValues { $0.map(\.1) }
        var audits: [JournalRecord] = []
        #expect(try eventually(seconds: 10) {
            audits = try lab.journald.entries(["MESSAGE_ID=\(banID)"])
            return audits.count >= reaching.count
        })
        let auditsByAddress = Dictionary(grouping: audits) { $0["BAILIFF_IP"] ?? "" }
        #expect(Set(auditsByAddress.keys) == Set(reaching))
        for (address, entries) in auditsByAddress {
            #expect(entries.count == 1, "\(address): \(entries.count) ban entries")
            #expect(entries.first?.values("BAILIFF_CAUSE_CURSOR") == cursorsByAddress[address], "\(address): the causes are its own failures")
        }

        // The last failure of each short address: the windows rebuilt at each start held the
        // other four, so every one of them is banned now with maxretry failures.
        try lab.fail(short)
        entries = try lab.waitForSshdEntries(lines.count + short.count)
        #expect(try lab.waitUntilCaughtUp(), "log: \(lab.log)")
        let interrupted = try lab.bans()
        #expect(Set(interrupted.keys) == Set(reaching + short))
        #expect(interrupted.values.allSatisfy { $0.failures == Self.maxretry && $0.banCount == 1 })
        #expect(try lab.status().jails.first?.currentlyFailing == 0)
        #expect(lab.stopDaemon() == 0, "log: \(lab.log)")
        // Every disruption took place: one start each, plus the first; one reload each.
        let starts = schedule.filter { [.restart, .crash].contains($0.1) }.count + 1
        #expect(lab.occurrences(of: "ready after ", in: lab.log) == starts)
        #expect(lab.occurrences(of: "configuration reloaded", in: lab.log) == schedule.count + 1 - starts)

        // The same entries read by a fresh daemon in one go: the same bans, to the second.
        try lab.startDaemon(stateDirectory: lab.directory + "/reference-state")
        #expect(try lab.waitUntilCaughtUp(), "log: \(lab.log)")
        let reference = try lab.bans()
        #expect(reference.count == interrupted.count)
        for (address, ban) in reference {
            let other = interrupted[address]
            #expect(other?.failures == ban.failures && other?.banCount == ban.banCount, "\(address): \(ban) against \(String(describing: other))")
            #expect(other?.bannedAt == ban.bannedAt && other?.expiresAt == ban.expiresAt, "\(address): \(ban) against \(String(describing: other))")
        }
        #expect(lab.stopDaemon() == 0)
    }

    private func disrupt(_ lab: LiveDaemonLab, with disruption: Disruption) throws {
        let reloads = lab.occurrences(of: "configuration reloaded", in: lab.log)
        switch disruption {
        case .sighup:
            lab.signalDaemon(SIGHUP)
            #expect(eventually(seconds: 10) { lab.occurrences(of: "configuration reloaded", in: lab.log) > reloads }, "log: \(lab.log)")
        case .reloadCall:
            #expect(try lab.client().call(BailiffInterface.Reload.self).jails == ["sshd"])
        case .restart:
            #expect(lab.stopDaemon() == 0, "log: \(lab.log)")
            try lab.startDaemon()
        case .crash:
            #expect(lab.stopDaemon(signal: SIGKILL) == 128 + SIGKILL)
            try lab.startDaemon()
        }
    }
}
