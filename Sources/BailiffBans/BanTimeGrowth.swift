/// How a repeat offender's ban time grows with the number of earlier bans.
public enum BanTimeGrowth: Hashable, Sendable {
    /// bantime × 2^n × factor, the exponent capped so the time stays finite (fail2ban's
    /// default growth).
    case doubling
    /// bantime × factor × multipliers[n], the last multiplier repeating once n runs past
    /// the list (`bantime.multipliers`).
    case multipliers([Double])
}
