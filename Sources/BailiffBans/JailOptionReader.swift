import BailiffConfig

/// Typed reads of a jail's raw options. Every problem names the option, what it expected
/// and what it found, so the user knows which line to fix.
struct JailOptionReader {
    private let values: [String: String]

    init<Options: Sequence>(_ options: Options) where Options.Element == (key: String, value: String) {
        var values: [String: String] = [:]
        for (name, value) in options { values[name] = value }
        self.values = values
    }

    /// The option's text, or nil when it is missing or blank: fail2ban treats an empty value
    /// as "not set", and `jail.conf` often leaves options empty on purpose.
    func text(_ name: String) -> String? {
        guard let value = values[name]?.trimmingWhitespace(), !value.isEmpty else { return nil }
        return value
    }

    func duration(_ name: String) throws(ConfigError) -> Double? {
        guard let value = text(name) else { return nil }
        do throws(ConfigError) { return try ValueParsing.duration(value) } catch {
            throw ConfigError("\(name): \(error.message)")
        }
    }

    func bool(_ name: String) throws(ConfigError) -> Bool? {
        guard let value = text(name) else { return nil }
        do throws(ConfigError) { return try ValueParsing.bool(value) } catch {
            throw ConfigError("\(name): \(error.message)")
        }
    }

    func integer(_ name: String) throws(ConfigError) -> Int? {
        guard let value = text(name) else { return nil }
        do throws(ConfigError) { return try ValueParsing.integer(value) } catch {
            throw ConfigError("\(name): \(error.message)")
        }
    }

    /// A finite decimal number such as `1`, `1.5` or `2e3`.
    static func number(_ text: some StringProtocol) -> Double? {
        guard let value = Double(text.trimmingWhitespace()), value.isFinite else { return nil }
        return value
    }

    func problem(_ name: String, expected: String, found value: String) -> ConfigError {
        ConfigError("\(name): expected \(expected), found '\(value)'")
    }
}
