import Foundation
import Glibc
import Testing
@testable import BailiffEngine

/// Memory held by failure windows, run by hand:
/// `BAILIFF_MEMORY_CHECK=1 swift test --filter MemoryCheck`. Not a timed test: it reports
/// resident memory per id and checks it stays far below what a 50 MB daemon can afford.
@Suite(.enabled(if: ProcessInfo.processInfo.environment["BAILIFF_MEMORY_CHECK"] != nil), .serialized)
struct MemoryCheck {
    static let ids = 100_000

    /// Resident memory of this process, from /proc/self/status.
    static func residentBytes(afterTrimming trim: Bool = false) throws -> Int {
        // malloc_trim gives freed heap pages back, leaving what is really in use.
        if trim, let symbol = dlsym(dlopen(nil, RTLD_NOW), "malloc_trim") {
            _ = unsafeBitCast(symbol, to: (@convention(c) (Int) -> Int32).self)(0)
        }
        let status = try String(contentsOfFile: "/proc/self/status", encoding: .utf8)
        let line = try #require(status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") })
        let kilobytes = try #require(Int(line.split(separator: " ", omittingEmptySubsequences: true)[1]))
        return kilobytes * 1024
    }

    static func measure(_ label: String, failuresPerID: Int, id: (Int) -> String) throws -> Double {
        let before = try residentBytes(afterTrimming: true)
        var windows = try FailureWindows<UInt64>(maxretry: 5, findtime: 600)
        for round in 0..<failuresPerID {
            for index in 0..<ids {
                _ = windows.record(id: id(index), time: Double(round), evidence: UInt64(index))
            }
        }
        let after = try residentBytes()
        let live = try residentBytes(afterTrimming: true)
        #expect(windows.idsTracked == ids)
        #expect(windows.failuresHeld == ids * failuresPerID)
        let perID = Double(after - before) / Double(ids)
        print("\(label): \(ids) ids, \(failuresPerID) failures each: \((after - before) / 1024) KiB, \(Int(perID)) bytes per id"
            + " (\((live - before) / ids) after returning freed heap memory)")
        withExtendedLifetime(windows) {}
        return perID
    }

    @Test func residentMemoryPerID() throws {
        let ipv4 = { (index: Int) in "10.\(index >> 16).\((index >> 8) & 0xFF).\(index & 0xFF)" }
        let ipv6 = { (index: Int) in "2001:db8:4b7e:1a2f:\(String(index >> 16, radix: 16)):\(String(index & 0xFFFF, radix: 16)):cafe:1" }
        #expect(try MemoryCheck.measure("IPv4, one failure", failuresPerID: 1, id: ipv4) < 200)
        #expect(try MemoryCheck.measure("IPv4, four failures (full window)", failuresPerID: 4, id: ipv4) < 300)
        #expect(try MemoryCheck.measure("IPv6 (id text on the heap), one failure", failuresPerID: 1, id: ipv6) < 300)
    }
}
