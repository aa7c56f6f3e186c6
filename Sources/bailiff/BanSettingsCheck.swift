import BailiffActions
import BailiffBans
import BailiffConfig

/// What `config check` adds to the filter and syntax checks: the daemon-wide settings and
/// each enabled jail's ban settings and action templates, built exactly as bailiffd builds
/// them, so a tree that passes here also loads in the daemon.
enum BanSettingsCheck {
    static func problems(in tree: ConfigTree) -> (errors: [ConfigError], warnings: [ConfigError]) {
        var errors: [ConfigError] = []
        var warnings: [ConfigError] = []
        do { _ = try ServiceSettings(tree: tree) } catch { errors.append(error) }
        for jail in JailLoader(tree: tree).load().jails where jail.enabled {
            do {
                let timePolicy = try BanTimePolicy(jail: jail)
                warnings += timePolicy.warnings
                _ = try BanTargetPolicy(jail: jail)
                for action in jail.actions { _ = try ActionTemplate(action) }
            } catch {
                let prefix = "jail [\(jail.name)]"
                let message = error.message.hasPrefix(prefix) ? error.message : "\(prefix): \(error.message)"
                errors.append(ConfigError(message, at: error.location ?? jail.location))
            }
        }
        return (errors, warnings)
    }
}
