import BailiffBans
import BailiffConfig
import Foundation
import Testing

/// Ban time and target policies read from jails loaded out of a real `jail.conf`.
@Suite struct JailPolicyTests {
    func loadJails(_ jailConf: String) throws -> JailLoader.Outcome {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try jailConf.write(toFile: directory.file("jail.conf"), atomically: true, encoding: .utf8)
        return JailLoader(tree: ConfigTree(directory: directory.path)).load()
    }

    @Test func policiesComeFromTheJailAndItsDefaults() throws {
        let outcome = try loadJails("""
            [DEFAULT]
            bantime = 1h
            bantime.increment = true
            bantime.maxtime = 1w
            bantime.overalljails = true

            [sshd]
            enabled = true
            bantime.multipliers = 1 2 4
            banprefix.ipv6 = 64
            """)
        #expect(outcome.errors.isEmpty, "\(outcome.errors)")
        let jail = try #require(outcome.jails.first)
        let time = try BanTimePolicy(jail: jail)
        #expect(time.base == .seconds(3600))
        #expect(time.incrementsRepeatBans)
        #expect(time.countsBansInAllJails)
        #expect(time.maximumSeconds == 7.0 * 86400)
        #expect(time.duration(afterEarlierBans: 1) == .seconds(7200))
        let targets = try BanTargetPolicy(jail: jail)
        #expect(targets.target(forFailureID: "2001:db8:5:6::99")?.description == "2001:db8:5:6::/64")
    }

    @Test func problemsNameTheJailAndPointAtItsSection() throws {
        let outcome = try loadJails("""
            [sshd]
            enabled = true
            bantime.factor = lots
            banprefix.ipv4 = 40
            bantime.increment = true
            bantime.formula = ban.Time * 2
            """)
        let jail = try #require(outcome.jails.first)
        let timeError = #expect(throws: ConfigError.self) { try BanTimePolicy(jail: jail) }
        #expect(timeError?.message.hasPrefix("jail [sshd]: bantime.factor: expected a positive number") == true)
        #expect(timeError?.location?.file.hasSuffix("jail.conf") == true)
        let targetError = #expect(throws: ConfigError.self) { try BanTargetPolicy(jail: jail) }
        #expect(targetError?.message.hasPrefix("jail [sshd]: banprefix.ipv4: expected a prefix length from 1 to 32") == true)
    }

    @Test func formulaWarningsNameTheJail() throws {
        let outcome = try loadJails("""
            [sshd]
            enabled = true
            bantime.increment = true
            bantime.formula = ban.Time * 2
            """)
        let policy = try BanTimePolicy(jail: try #require(outcome.jails.first))
        #expect(policy.warnings.count == 1)
        #expect(policy.warnings.first?.message.hasPrefix("jail [sshd]: bantime.formula is not supported") == true)
    }
}
