import Glibc

/// A growable byte buffer that is reused line after line: appending is a `memcpy`, with
/// none of the uniqueness checks or element-wise copies of an array on the hot path.
final class ByteBuffer {
    private(set) var base: UnsafeMutablePointer<UInt8>
    private(set) var capacity: Int
    private(set) var count = 0

    init(capacity: Int = 1024) {
        self.capacity = max(capacity, 16)
        base = .allocate(capacity: self.capacity)
    }

    deinit { base.deallocate() }

    var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: count) }

    func slice(_ range: Range<Int>) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: base + range.lowerBound, count: range.count)
    }

    func removeAll() { count = 0 }

    func reserve(_ extra: Int) {
        guard count + extra > capacity else { return }
        var newCapacity = capacity * 2
        while newCapacity < count + extra { newCapacity *= 2 }
        let grown = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
        grown.update(from: base, count: count)
        base.deallocate()
        base = grown
        capacity = newCapacity
    }

    @inline(__always)
    func append(_ byte: UInt8) {
        if count == capacity { reserve(1) }
        base[count] = byte
        count += 1
    }

    func append(_ source: UnsafeRawBufferPointer) {
        guard let start = source.baseAddress, !source.isEmpty else { return }
        reserve(source.count)
        memcpy(base + count, start, source.count)
        count += source.count
    }

    /// Appends two pieces (a line around its date) with one capacity check.
    func append(_ first: UnsafeRawBufferPointer, _ second: UnsafeRawBufferPointer) {
        reserve(first.count + second.count)
        if let start = first.baseAddress, !first.isEmpty {
            memcpy(base + count, start, first.count)
            count += first.count
        }
        if let start = second.baseAddress, !second.isEmpty {
            memcpy(base + count, start, second.count)
            count += second.count
        }
    }

    func append(_ source: [UInt8]) { source.withUnsafeBytes { append($0) } }

    /// Appends a range of this buffer to its own end.
    func appendCopy(of range: Range<Int>) {
        reserve(range.count)
        memmove(base + count, base + range.lowerBound, range.count)
        count += range.count
    }

    func string(_ range: Range<Int>) -> String {
        String(decoding: slice(range), as: UTF8.self)
    }

    func array() -> [UInt8] { Array(bytes) }
}

/// Where each capture slot's value lies in the current line's `ByteBuffer`, as byte
/// ranges: nothing is turned into a String unless a failure or a multi-line state
/// needs to keep it.
final class CaptureRanges {
    let count: Int
    private let bounds: UnsafeMutablePointer<Int>
    /// The slots set since the last `clear`, bit `i` for slot `i`: a line sets few of them,
    /// so clearing and copying out visit only those. A slot whose bit is clear holds no range.
    private var touched: UInt64 = 0
    /// More slots than bits: every slot counts as touched.
    private let untracked: Bool

    init(count: Int) {
        self.count = count
        untracked = count > 64
        bounds = .allocate(capacity: max(2 * count, 2))
        bounds.initialize(repeating: -1, count: max(2 * count, 2))
    }

    deinit { bounds.deallocate() }

    func clear() {
        if untracked {
            bounds.update(repeating: -1, count: 2 * count)
            return
        }
        var mask = touched
        touched = 0
        while mask != 0 {
            let slot = mask.trailingZeroBitCount
            bounds[2 * slot] = -1
            bounds[2 * slot + 1] = -1
            mask &= mask &- 1
        }
    }

    /// Calls `body` with, in increasing order, every slot that may hold a range (some may
    /// have been unset since: `body` still asks `range(_:)`).
    @inline(__always)
    func forEachTouchedSlot(_ body: (Int) -> Void) {
        if untracked {
            for slot in 0..<count { body(slot) }
            return
        }
        var mask = touched
        while mask != 0 {
            body(mask.trailingZeroBitCount)
            mask &= mask &- 1
        }
    }

    @inline(__always)
    func set(_ slot: Int, _ range: Range<Int>) {
        bounds[2 * slot] = range.lowerBound
        bounds[2 * slot + 1] = range.upperBound
        // Past 64 slots the shift wraps, but then the mask is not consulted.
        touched |= 1 &<< UInt64(truncatingIfNeeded: slot)
    }

    @inline(__always)
    func unset(_ slot: Int) { bounds[2 * slot] = -1 }

    @inline(__always)
    func range(_ slot: Int) -> Range<Int>? {
        let start = bounds[2 * slot]
        return start < 0 ? nil : start..<bounds[2 * slot + 1]
    }

    /// Set and non-empty: what fail2ban's truth test on a captured value means.
    @inline(__always)
    func isSet(_ slot: Int) -> Bool {
        let start = bounds[2 * slot]
        return start >= 0 && bounds[2 * slot + 1] > start
    }

    /// Whether any slot holds a value (possibly empty).
    func hasValue(_ slot: Int) -> Bool { bounds[2 * slot] >= 0 }
}
