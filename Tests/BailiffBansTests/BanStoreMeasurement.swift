import BailiffBans
import Foundation
import Testing

/// Timings of the store at the sizes a busy server reaches. Not a pass/fail check: it only
/// runs with BAILIFF_MEASURE_BANS=1 set, and prints what it saw.
@Suite struct BanStoreMeasurement {
    static let isRequested = ProcessInfo.processInfo.environment["BAILIFF_MEASURE_BANS"] != nil

    func cause(_ index: Int) -> BanCause {
        let cursor = { (n: Int) in "s=8f1c0e7a2b9d4c6e8f1c0e7a2b9d4c6e;i=\(String(n, radix: 16));b=3e0f7a9c1d2b4e6f8a0c2e4f6a8c0e2f;m=1;t=2;x=3" }
        return BanCause(triggerCursor: cursor(index * 5 + 4), failureCursors: (0..<5).map { cursor(index * 5 + $0) })
    }

    func ban(_ index: Int, at time: Double) -> Ban {
        let target = index % 2 == 0
            ? "10.\(index >> 16 & 255).\(index >> 8 & 255).\(index & 255)"
            : "2001:db8:\(String(index >> 16, radix: 16)):\(String(index & 0xFFFF, radix: 16))::/64"
        return Ban(jail: ["sshd", "nginx", "postfix"][index % 3], target: target, bannedAt: time,
                   duration: index % 50 == 0 ? .permanent : .seconds(Double(3600 + index % 7200)), failures: 5)
    }

    @Test(.enabled(if: isRequested, "set BAILIFF_MEASURE_BANS=1 to measure"))
    func measure() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let clock = ContinuousClock()
        var store = try openStore(directory)

        let single = try clock.measure {
            for index in 0..<10_000 { try store.add(ban(index, at: 1000), cause: cause(index)) }
        }
        print("add 10,000 bans, one transaction each: \(single)")
        try store.close()
        directory.remove()

        let fresh = try TemporaryDirectory()
        defer { fresh.remove() }
        store = try openStore(fresh)
        let batched = try clock.measure {
            try store.add(contentsOf: (0..<10_000).map { (ban: ban($0, at: 1000), cause: cause($0)) })
        }
        print("add 10,000 bans in one transaction: \(batched)")
        for start in stride(from: 10_000, to: 100_000, by: 10_000) {
            try store.add(contentsOf: (start..<start + 10_000).map { (ban: ban($0, at: 1000), cause: cause($0)) })
        }
        try store.close()

        var opening: BanStoreOpening?
        let open = try clock.measure { opening = try BanStore.open(inDirectory: fresh.path) }
        print("open a store of 100,000 bans (with its integrity check): \(open)")
        let reopened = try #require(opening?.store)
        var active: [Ban] = []
        let load = try clock.measure { active = try reopened.activeBans(at: 1000) }
        print("load 100,000 active bans: \(load) (\(active.count) bans)")
        let count = try clock.measure { _ = try reopened.earlierBanCount(of: "10.0.0.2", inJail: nil) }
        print("count earlier bans of one target: \(count)")
        let size = try FileManager.default.attributesOfItem(atPath: reopened.path)[.size] as? Int ?? 0
        print("store size: \(size / 1024) KiB")
        #expect(active.count == 100_000)
        try reopened.close()
    }
}
