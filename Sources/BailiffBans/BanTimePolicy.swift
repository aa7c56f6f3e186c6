import BailiffConfig

/// How long a jail bans: its `bantime` and the `bantime.*` options that lengthen the bans
/// of repeat offenders, with fail2ban's semantics.
public struct BanTimePolicy: Equatable, Sendable {
    /// The ban time of a first offence (`bantime`).
    public var base: BanDuration
    /// Whether repeat offenders get longer bans (`bantime.increment`).
    public var incrementsRepeatBans: Bool
    /// The coefficient of the growth (`bantime.factor`).
    public var factor: Double
    public var growth: BanTimeGrowth
    /// The longest ban the growth may reach, in seconds (`bantime.maxtime`).
    public var maximumSeconds: Double?
    /// Up to this many random seconds are added to a grown ban so botnets cannot predict
    /// the moment it ends (`bantime.rndtime`).
    public var randomExtraSeconds: Double?
    /// Whether earlier bans of the address in every jail count, not only in this one
    /// (`bantime.overalljails`).
    public var countsBansInAllJails: Bool
    /// Settings that were accepted but do not behave as in fail2ban.
    public var warnings: [ConfigError] = []

    /// fail2ban stops doubling after 2^20 so a ban time never overflows.
    public static let doublingExponentLimit = 20
    /// fail2ban's default `bantime` (10 minutes).
    public static let defaultBaseSeconds = 600.0

    public init(
        base: BanDuration = .seconds(defaultBaseSeconds), incrementsRepeatBans: Bool = false, factor: Double = 1,
        growth: BanTimeGrowth = .doubling, maximumSeconds: Double? = nil, randomExtraSeconds: Double? = nil,
        countsBansInAllJails: Bool = false
    ) {
        self.base = base
        self.incrementsRepeatBans = incrementsRepeatBans
        self.factor = factor
        self.growth = growth
        self.maximumSeconds = maximumSeconds
        self.randomExtraSeconds = randomExtraSeconds
        self.countsBansInAllJails = countsBansInAllJails
    }

    /// Reads `bantime` and `bantime.*` from a jail's raw options.
    public init<Options: Sequence>(options: Options) throws(ConfigError)
    where Options.Element == (key: String, value: String) {
        let reader = JailOptionReader(options)
        self.init(base: .init(configuredSeconds: try reader.duration("bantime") ?? Self.defaultBaseSeconds))
        incrementsRepeatBans = try reader.bool("bantime.increment") ?? false
        countsBansInAllJails = try reader.bool("bantime.overalljails") ?? false
        factor = try Self.readFactor(reader)
        if let multipliers = try Self.readMultipliers(reader) { growth = .multipliers(multipliers) }
        if let maximum = try reader.duration("bantime.maxtime") {
            guard maximum > 0 else {
                throw reader.problem(
                    "bantime.maxtime", expected: "a positive duration such as 1w or 30d", found: reader.text("bantime.maxtime") ?? "")
            }
            maximumSeconds = maximum
        }
        if let extra = try reader.duration("bantime.rndtime") {
            guard extra >= 0 else {
                throw reader.problem(
                    "bantime.rndtime", expected: "a duration of 0 or more such as 30m", found: reader.text("bantime.rndtime") ?? "")
            }
            randomExtraSeconds = extra > 0 ? extra : nil
        }
        // With multipliers set, fail2ban ignores the formula too, so only warn where it mattered.
        if incrementsRepeatBans, growth == .doubling, reader.text("bantime.formula") != nil {
            warnings.append(ConfigError(
                "bantime.formula is not supported: bailiff does not evaluate Python expressions, so this jail grows ban times "
                    + "by the default bantime × 2^n × bantime.factor; use bantime.factor, bantime.multipliers and "
                    + "bantime.maxtime to shape ban times instead"))
        }
    }

    /// Reads a jail's ban time options; problems name the jail and point at its section.
    public init(jail: JailDefinition) throws(ConfigError) {
        do throws(ConfigError) { try self.init(options: jail.options) } catch {
            throw ConfigError("jail [\(jail.name)]: \(error.message)", at: error.location ?? jail.location)
        }
        warnings = warnings.map { ConfigError("jail [\(jail.name)]: \($0.message)", at: $0.location ?? jail.location) }
    }

    /// The ban for an offender with `earlierBans` bans already recorded (in this jail, or in
    /// every jail when `countsBansInAllJails`), with random extra time from the system generator.
    public func duration(afterEarlierBans earlierBans: Int) -> BanDuration {
        var generator = SystemRandomNumberGenerator()
        return duration(afterEarlierBans: earlierBans, using: &generator)
    }

    /// The ban for an offender with `earlierBans` bans already recorded. As in fail2ban, a
    /// first ban, a permanent ban and a jail without `bantime.increment` use `bantime` as it
    /// is; growth, `bantime.maxtime` and `bantime.rndtime` shape only repeat bans, and a
    /// grown ban is never shorter than `bantime`.
    public func duration<Generator: RandomNumberGenerator>(
        afterEarlierBans earlierBans: Int, using generator: inout Generator
    ) -> BanDuration {
        guard incrementsRepeatBans, earlierBans > 0, case .seconds(let baseSeconds) = base, baseSeconds > 0 else {
            return base
        }
        var seconds: Double
        switch growth {
        case .doubling:
            let exponent = min(earlierBans, Self.doublingExponentLimit)
            seconds = baseSeconds * Double(1 << exponent) * factor
        case .multipliers(let multipliers):
            seconds = baseSeconds * factor * multipliers[min(earlierBans, multipliers.count - 1)]
        }
        if let maximumSeconds { seconds = min(seconds, maximumSeconds) }
        if let randomExtraSeconds { seconds += Double.random(in: 0..<1, using: &generator) * randomExtraSeconds }
        return .seconds(max(baseSeconds, seconds))
    }

    /// A positive number, or a quotient such as `2.0 / 2.885385` as fail2ban's examples write it.
    private static func readFactor(_ reader: JailOptionReader) throws(ConfigError) -> Double {
        guard let text = reader.text("bantime.factor") else { return 1 }
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        let numbers = parts.compactMap { JailOptionReader.number($0) }
        guard parts.count <= 2, numbers.count == parts.count else {
            throw reader.problem("bantime.factor", expected: "a positive number such as 1 or 1.5", found: text)
        }
        let factor = numbers.count == 2 ? numbers[0] / numbers[1] : numbers[0]
        guard factor.isFinite, factor > 0 else {
            throw reader.problem("bantime.factor", expected: "a positive number such as 1 or 1.5", found: text)
        }
        return factor
    }

    private static func readMultipliers(_ reader: JailOptionReader) throws(ConfigError) -> [Double]? {
        guard let text = reader.text("bantime.multipliers") else { return nil }
        var multipliers: [Double] = []
        for word in ValueParsing.words(text) {
            guard let multiplier = JailOptionReader.number(word), multiplier >= 0 else {
                throw reader.problem(
                    "bantime.multipliers", expected: "numbers of 0 or more separated by spaces, such as '1 2 4 8 16'",
                    found: text)
            }
            multipliers.append(multiplier)
        }
        return multipliers
    }
}
