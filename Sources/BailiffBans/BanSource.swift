/// What made a ban: a jail's failures in the journal, or a person.
public struct BanSource: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: String

    public init(rawValue: String) {
        self.rawValue = rawValue
    }

    /// Failures a jail counted in the journal.
    public static let journal = BanSource(rawValue: "journal")
    /// A ban asked for through the control socket or the command line.
    public static let manual = BanSource(rawValue: "manual")

    public var description: String { rawValue }
}
