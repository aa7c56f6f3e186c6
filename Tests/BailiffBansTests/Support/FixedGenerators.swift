/// A random generator with known output, to pin down `bantime.rndtime`.
struct ConstantGenerator: RandomNumberGenerator {
    let value: UInt64

    mutating func next() -> UInt64 { value }
}
