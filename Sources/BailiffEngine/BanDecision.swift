/// An id reached `maxretry` failures within `findtime`: the facts a ban is made from,
/// independent of the jail's ban settings.
public struct BanDecision<Evidence> {
    /// The failure id (address, host name or `<F-ID>` value).
    public var id: String
    /// Failures counted in the window that reached `maxretry` (more than `maxretry` when
    /// the last failure counted several).
    public var failures: Int
    /// Time of the earliest and the latest failure of that window, seconds since the epoch.
    public var firstTime: Double
    public var lastTime: Double
    /// The evidence of those failures, in time order.
    public var evidence: [Evidence]
    /// The evidence of the failure whose arrival completed the window. Failures of this id
    /// that arrived up to this one are spent; a resume must not replay them (see
    /// `FailureWindows`).
    public var trigger: Evidence

    public init(id: String, failures: Int, firstTime: Double, lastTime: Double, evidence: [Evidence], trigger: Evidence) {
        self.id = id
        self.failures = failures
        self.firstTime = firstTime
        self.lastTime = lastTime
        self.evidence = evidence
        self.trigger = trigger
    }
}

extension BanDecision: Sendable where Evidence: Sendable {}
extension BanDecision: Equatable where Evidence: Equatable {}
extension BanDecision: Hashable where Evidence: Hashable {}
