import BailiffBans
import BailiffConfig
import BailiffTestSupport
import Testing

@Suite struct BanTimePolicyTests {
    /// A policy from options written as in a jail section.
    func policy(_ options: [String: String]) throws -> BanTimePolicy {
        try BanTimePolicy(options: options)
    }

    func seconds(_ policy: BanTimePolicy, after earlierBans: Int) -> Double? {
        var generator = ConstantGenerator(value: 0)
        return policy.duration(afterEarlierBans: earlierBans, using: &generator).seconds
    }

    @Test func defaultsToTenMinutesWithoutGrowth() throws {
        let policy = try policy([:])
        #expect(policy.base == .seconds(600))
        #expect(!policy.incrementsRepeatBans)
        #expect(!policy.countsBansInAllJails)
        #expect(policy.warnings.isEmpty)
        for earlier in [0, 1, 5] { #expect(seconds(policy, after: earlier) == 600) }
    }

    @Test func withoutIncrementRepeatBansKeepTheBaseTime() throws {
        let policy = try policy(["bantime": "1h", "bantime.factor": "3", "bantime.maxtime": "10m", "bantime.rndtime": "5m"])
        #expect(seconds(policy, after: 4) == 3600)
    }

    @Test func defaultGrowthDoublesPerEarlierBan() throws {
        let policy = try policy(["bantime": "10m", "bantime.increment": "true"])
        #expect(seconds(policy, after: 0) == 600)
        #expect(seconds(policy, after: 1) == 1200)
        #expect(seconds(policy, after: 2) == 2400)
        #expect(seconds(policy, after: 3) == 4800)
    }

    @Test func doublingStopsAtTheTwentiethPower() throws {
        let policy = try policy(["bantime": "1", "bantime.increment": "yes"])
        #expect(seconds(policy, after: 20) == 1_048_576)
        #expect(seconds(policy, after: 21) == 1_048_576)
        #expect(seconds(policy, after: 500) == 1_048_576)
    }

    @Test func factorScalesTheDoubling() throws {
        let policy = try policy(["bantime": "600", "bantime.increment": "on", "bantime.factor": "3"])
        #expect(seconds(policy, after: 1) == 600.0 * 2 * 3)
        #expect(seconds(policy, after: 2) == 600.0 * 4 * 3)
        // The first ban is never scaled.
        #expect(seconds(policy, after: 0) == 600)
    }

    @Test func growthNeverShortensTheBaseTime() throws {
        let policy = try policy(["bantime": "600", "bantime.increment": "true", "bantime.factor": "0.25"])
        #expect(seconds(policy, after: 1) == 600)
        #expect(seconds(policy, after: 3) == 600.0 * 8 * 0.25)
    }

    @Test func factorAcceptsAQuotient() throws {
        let policy = try policy(["bantime.factor": "3 / 4"])
        #expect(policy.factor == 0.75)
    }

    @Test func multipliersReplaceTheDoublingAndRepeatTheLast() throws {
        let policy = try policy(["bantime": "60", "bantime.increment": "true", "bantime.multipliers": "1 5 30 60"])
        #expect(policy.growth == .multipliers([1, 5, 30, 60]))
        #expect(seconds(policy, after: 0) == 60)
        #expect(seconds(policy, after: 1) == 300)
        #expect(seconds(policy, after: 2) == 1800)
        #expect(seconds(policy, after: 3) == 3600)
        #expect(seconds(policy, after: 4) == 3600)
        #expect(seconds(policy, after: 40) == 3600)
    }

    @Test func multipliersAreScaledByTheFactor() throws {
        let policy = try policy(["bantime": "60", "bantime.increment": "true", "bantime.multipliers": "1 5", "bantime.factor": "2"])
        #expect(seconds(policy, after: 1) == 600)
        #expect(seconds(policy, after: 7) == 600)
    }

    @Test func maxtimeCapsTheGrowth() throws {
        let policy = try policy(["bantime": "10m", "bantime.increment": "true", "bantime.maxtime": "1h"])
        #expect(seconds(policy, after: 2) == 2400)
        #expect(seconds(policy, after: 3) == 3600)
        #expect(seconds(policy, after: 12) == 3600)
    }

    @Test func maxtimeBelowTheBaseTimeKeepsTheBaseTime() throws {
        let policy = try policy(["bantime": "1h", "bantime.increment": "true", "bantime.maxtime": "10m"])
        #expect(seconds(policy, after: 0) == 3600)
        #expect(seconds(policy, after: 2) == 3600)
    }

    @Test func rndtimeAddsUpToItsLengthToGrownBans() throws {
        let policy = try policy([
            "bantime": "10m", "bantime.increment": "true", "bantime.maxtime": "1h", "bantime.rndtime": "100",
        ])
        var lowest = ConstantGenerator(value: 0)
        #expect(policy.duration(afterEarlierBans: 1, using: &lowest) == .seconds(1200))
        var highest = ConstantGenerator(value: .max)
        // The largest draw rounds to the full rndtime.
        let most = try #require(policy.duration(afterEarlierBans: 1, using: &highest).seconds)
        #expect(most > 1299.99 && most <= 1300)
        // The random part comes after the cap, as in fail2ban.
        let capped = try #require(policy.duration(afterEarlierBans: 9, using: &highest).seconds)
        #expect(capped > 3699.99 && capped <= 3700)

        var seeded = SeededGenerator(seed: 7)
        var seen = Set<Double>()
        for _ in 0..<200 {
            let value = try #require(policy.duration(afterEarlierBans: 1, using: &seeded).seconds)
            #expect(value >= 1200 && value < 1300)
            seen.insert(value)
        }
        #expect(seen.count > 100)
    }

    @Test func rndtimeLeavesFirstBansExact() throws {
        let policy = try policy(["bantime": "10m", "bantime.increment": "true", "bantime.rndtime": "1h"])
        var highest = ConstantGenerator(value: .max)
        #expect(policy.duration(afterEarlierBans: 0, using: &highest) == .seconds(600))
        #expect(policy.duration(afterEarlierBans: 0) == .seconds(600))
    }

    @Test func permanentBansStayPermanent() throws {
        let policy = try policy([
            "bantime": "-1", "bantime.increment": "true", "bantime.maxtime": "1h", "bantime.rndtime": "10m",
        ])
        #expect(policy.base == .permanent)
        for earlier in [0, 1, 30] { #expect(policy.duration(afterEarlierBans: earlier) == .permanent) }
        #expect(policy.base.fail2banValue == -1)
        #expect(policy.base.expiry(startingAt: 1000) == nil)
    }

    @Test func overalljailsIsRead() throws {
        #expect(try policy(["bantime.overalljails": "true"]).countsBansInAllJails)
        #expect(try !policy(["bantime.overalljails": "false"]).countsBansInAllJails)
    }

    @Test func blankOptionsCountAsUnset() throws {
        let policy = try policy(["bantime.maxtime": "", "bantime.rndtime": " ", "bantime.multipliers": "", "bantime.factor": ""])
        #expect(policy.maximumSeconds == nil)
        #expect(policy.randomExtraSeconds == nil)
        #expect(policy.growth == .doubling)
        #expect(policy.factor == 1)
    }

    @Test func formulaIsReportedAsUnsupportedAndTheDefaultGrowthIsUsed() throws {
        let policy = try policy([
            "bantime": "10m", "bantime.increment": "true", "bantime.formula": "ban.Time * math.exp(float(ban.Count+1))",
        ])
        #expect(policy.warnings.count == 1)
        let message = try #require(policy.warnings.first?.message)
        #expect(message.contains("bantime.formula is not supported"))
        for option in ["bantime.factor", "bantime.multipliers", "bantime.maxtime"] { #expect(message.contains(option)) }
        #expect(seconds(policy, after: 2) == 2400)
    }

    @Test func formulaNeedsNoWarningWhereItHasNoEffect() throws {
        let withMultipliers = try policy([
            "bantime.increment": "true", "bantime.formula": "ban.Time * 3", "bantime.multipliers": "1 2",
        ])
        #expect(withMultipliers.warnings.isEmpty)
        let withoutIncrement = try policy(["bantime.formula": "ban.Time * 3"])
        #expect(withoutIncrement.warnings.isEmpty)
    }

    @Test(arguments: [
        (["bantime": "soon"], "bantime:"),
        (["bantime.increment": "maybe"], "bantime.increment:"),
        (["bantime.overalljails": "2"], "bantime.overalljails:"),
        (["bantime.factor": "fast"], "bantime.factor: expected a positive number"),
        (["bantime.factor": "-2"], "bantime.factor: expected a positive number"),
        (["bantime.factor": "0"], "bantime.factor: expected a positive number"),
        (["bantime.factor": "1 / 0"], "bantime.factor: expected a positive number"),
        (["bantime.multipliers": "1 two 4"], "bantime.multipliers: expected numbers"),
        (["bantime.multipliers": "1 -2"], "bantime.multipliers: expected numbers"),
        (["bantime.maxtime": "forever"], "bantime.maxtime:"),
        (["bantime.maxtime": "-1"], "bantime.maxtime: expected a positive duration"),
        (["bantime.rndtime": "-5m"], "bantime.rndtime: expected a duration of 0 or more"),
        (["bantime.rndtime": "5 parsecs"], "bantime.rndtime:"),
    ])
    func badValuesNameTheOptionAndWhatWasExpected(options: [String: String], expected: String) throws {
        let error = #expect(throws: ConfigError.self) { try BanTimePolicy(options: options) }
        let message = try #require(error?.message)
        #expect(message.hasPrefix(expected), "\(message)")
        // The offending text is quoted so the user can find it.
        #expect(message.contains("'\(options.values.first!)'"), "\(message)")
    }
}
