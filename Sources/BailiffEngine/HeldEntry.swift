/// A held failure as the window core keeps it; its evidence is stored by the caller of
/// the core under `handle`.
struct HeldEntry: Sendable, Equatable {
    var time: Double
    var count: Int
    var handle: UInt32
}
