/// How long a ban lasts. Permanent is its own case so no caller mistakes a sentinel such
/// as `-1` for a number of seconds.
public enum BanDuration: Hashable, Sendable, CustomStringConvertible {
    case permanent
    case seconds(Double)

    /// A duration as fail2ban configurations write it: any negative value means forever.
    public init(configuredSeconds seconds: Double) {
        self = seconds < 0 ? .permanent : .seconds(seconds)
    }

    public var isPermanent: Bool { self == .permanent }

    /// The length in seconds; nil for a permanent ban.
    public var seconds: Double? {
        if case .seconds(let seconds) = self { return seconds }
        return nil
    }

    /// When a ban of this length that starts at `start` ends; nil for a permanent ban.
    public func expiry(startingAt start: Double) -> Double? {
        seconds.map { start + $0 }
    }

    /// The value fail2ban's `<bantime>` action tag carries: seconds, or -1 for permanent.
    public var fail2banValue: Double { seconds ?? -1 }

    /// Whether a ban of this length starting at `start` ends after one of `other` starting
    /// at `otherStart` (a permanent ban outlasts every timed one).
    func outlasts(_ other: BanDuration, startingAt start: Double, otherStartingAt otherStart: Double) -> Bool {
        guard let end = expiry(startingAt: start) else { return !other.isPermanent }
        guard let otherEnd = other.expiry(startingAt: otherStart) else { return false }
        return end > otherEnd
    }

    public var description: String {
        switch self {
        case .permanent: "permanent"
        case .seconds(let seconds):
            seconds == seconds.rounded() && abs(seconds) < 1e15 ? "\(Int(seconds))s" : "\(seconds)s"
        }
    }
}
