/// A failure kept in a window: when it happened, how many failures it counts for, and
/// what the caller attached to it.
public struct HeldFailure<Evidence> {
    public var time: Double
    public var count: Int
    public var evidence: Evidence

    public init(time: Double, count: Int, evidence: Evidence) {
        self.time = time
        self.count = count
        self.evidence = evidence
    }
}

extension HeldFailure: Sendable where Evidence: Sendable {}
extension HeldFailure: Equatable where Evidence: Equatable {}
