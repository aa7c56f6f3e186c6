/// Where one id's window lives in the arena.
struct WindowRecord: Sendable {
    var id: String
    var block: UInt32
    /// Entries held (each may count several failures).
    var held: UInt32
    /// Changes whenever the record is reused, so stale queue entries can be told apart.
    var generation: UInt32
    var sizeClass: UInt8
}
