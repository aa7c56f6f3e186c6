/// Python's `int(bytes)` and `int(bytes, 0)`: fail2ban (through python-systemd) turns PIDs
/// and timestamps into numbers this way, so the same texts must count as numbers here.
/// Accepted: surrounding whitespace, a sign, `_` between digits, and for `.automatic`
/// the prefixes `0x`, `0o`, `0b` (where a decimal number cannot have leading zeros).
enum PythonInteger: Equatable {
    case small(Int64)
    /// Too large for Int64: the sign and the decimal digits of the magnitude.
    case large(negative: Bool, digits: [UInt8])

    enum Base { case decimal, automatic }

    static func parse(_ text: UnsafeRawBufferPointer, base: Base) -> PythonInteger? {
        var start = 0
        var end = text.count
        while start < end, isSpace(text[start]) { start += 1 }
        while end > start, isSpace(text[end - 1]) { end -= 1 }
        guard start < end else { return nil }
        var negative = false
        if text[start] == UInt8(ascii: "+") || text[start] == UInt8(ascii: "-") {
            negative = text[start] == UInt8(ascii: "-")
            start += 1
        }
        var radix: UInt64 = 10
        var underscoreAllowedFirst = false
        if base == .automatic, end - start >= 2, text[start] == UInt8(ascii: "0") {
            switch text[start + 1] | 0x20 {
            case UInt8(ascii: "x"): radix = 16
            case UInt8(ascii: "o"): radix = 8
            case UInt8(ascii: "b"): radix = 2
            default: break
            }
            if radix != 10 { start += 2; underscoreAllowedFirst = true }
        }
        guard start < end else { return nil }

        var magnitude = Magnitude()
        var previousWasDigit = underscoreAllowedFirst
        var sawDigit = false
        var firstDigit: UInt8?
        var allZero = true
        for index in start..<end {
            let byte = text[index]
            if byte == UInt8(ascii: "_") {
                guard previousWasDigit else { return nil }
                previousWasDigit = false
                continue
            }
            guard let digit = digitValue(byte), digit < radix else { return nil }
            if firstDigit == nil { firstDigit = byte }
            if digit != 0 { allZero = false }
            magnitude.multiplyAdd(radix, digit)
            previousWasDigit = true
            sawDigit = true
        }
        guard sawDigit, previousWasDigit else { return nil }
        // int("012", 0) is an error in Python 3 ("00" and "0_0" are fine).
        if base == .automatic, radix == 10, firstDigit == UInt8(ascii: "0"), !allZero { return nil }
        return magnitude.value(negative: negative)
    }

    /// Calls `body` with the number as Python's `"%i"` prints it.
    func withDecimal(_ body: (UnsafeRawBufferPointer) -> Void) {
        switch self {
        case .small(let value):
            withDecimalDigits(value, body)
        case .large(let negative, let digits):
            ((negative ? [UInt8(ascii: "-")] : []) + digits).withUnsafeBytes(body)
        }
    }

    var isZero: Bool { self == .small(0) }

    private static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || (byte >= 0x09 && byte <= 0x0D)
    }

    private static func digitValue(_ byte: UInt8) -> UInt64? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return UInt64(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "z"): return UInt64(byte - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): return UInt64(byte - UInt8(ascii: "A") + 10)
        default: return nil
        }
    }

    /// An unsigned number that starts in a UInt64 and moves to base-10⁹ limbs when it outgrows it.
    private struct Magnitude {
        var small: UInt64 = 0
        var limbs: [UInt64]?   // least significant first, each < 10⁹

        static let limbBase: UInt64 = 1_000_000_000

        mutating func multiplyAdd(_ factor: UInt64, _ addend: UInt64) {
            if limbs == nil {
                let (product, overflow1) = small.multipliedReportingOverflow(by: factor)
                let (sum, overflow2) = product.addingReportingOverflow(addend)
                if !overflow1 && !overflow2 { small = sum; return }
                limbs = [small % Self.limbBase, (small / Self.limbBase) % Self.limbBase, small / Self.limbBase / Self.limbBase]
            }
            var carry = addend
            for index in limbs!.indices {
                let value = limbs![index] * factor + carry
                limbs![index] = value % Self.limbBase
                carry = value / Self.limbBase
            }
            while carry > 0 { limbs!.append(carry % Self.limbBase); carry /= Self.limbBase }
        }

        func value(negative: Bool) -> PythonInteger {
            if var limbs {
                while limbs.count > 1, limbs.last == 0 { limbs.removeLast() }
                var digits = Array(String(limbs.last!).utf8)
                for limb in limbs.dropLast().reversed() {
                    let text = Array(String(limb).utf8)
                    digits.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: 9 - text.count))
                    digits.append(contentsOf: text)
                }
                return .large(negative: negative, digits: digits)
            }
            if negative {
                if small <= UInt64(Int64.max) { return .small(-Int64(small)) }
                if small == UInt64(Int64.max) + 1 { return .small(Int64.min) }
            } else if small <= UInt64(Int64.max) {
                return .small(Int64(small))
            }
            return .large(negative: negative, digits: Array(String(small).utf8))
        }
    }
}

/// Calls `body` with `value` in decimal, formatted on the stack (no allocation).
func withDecimalDigits(_ value: Int64, _ body: (UnsafeRawBufferPointer) -> Void) {
    var scratch: (UInt64, UInt64, UInt64) = (0, 0, 0)   // room for a sign and 19 digits
    withUnsafeMutableBytes(of: &scratch) { scratch in
        var magnitude = value.magnitude
        var start = scratch.count
        repeat {
            start -= 1
            scratch[start] = UInt8(ascii: "0") + UInt8(magnitude % 10)
            magnitude /= 10
        } while magnitude > 0
        if value < 0 { start -= 1; scratch[start] = UInt8(ascii: "-") }
        body(UnsafeRawBufferPointer(rebasing: scratch[start...]))
    }
}

/// Appends `value` in decimal.
func appendDecimal(_ value: Int64, to buffer: inout [UInt8]) {
    withDecimalDigits(value) { buffer.append(contentsOf: $0) }
}
