/// Settings of the daemon as a whole, read where fail2ban keeps them: the `[Definition]`
/// section of `fail2ban.conf` and its `.local` overlays, so an existing `/etc/fail2ban`
/// keeps its values. Every setting has a default; the files are optional.
public struct ServiceSettings: Sendable, Equatable {
    /// How long the ban history is kept for escalation (`dbpurgeage`), in seconds.
    public var historyAge: Double = 86_400

    public init() {}

    public init(tree: ConfigTree) throws(ConfigError) {
        guard let store = try tree.load("fail2ban") else { return }
        if let text = try store.get("Definition", "dbpurgeage") {
            do throws(ConfigError) {
                historyAge = try ValueParsing.duration(text)
            } catch {
                throw ConfigError("dbpurgeage: \(error.message)", at: store.location(of: "Definition", "dbpurgeage"))
            }
            guard historyAge > 0 else {
                throw ConfigError("dbpurgeage: expected a positive duration such as 1d, found '\(text)'", at: store.location(of: "Definition", "dbpurgeage"))
            }
        }
    }
}
