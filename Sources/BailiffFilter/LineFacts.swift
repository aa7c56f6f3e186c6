/// What a reader already knows about a line, so the filter need not scan it again.
public struct LineFacts: Sendable {
    /// Every byte is ASCII.
    public var isASCII: Bool
    /// The line holds no line feed (it was split off at line feeds).
    public var lacksLineFeed: Bool

    public init(isASCII: Bool, lacksLineFeed: Bool) {
        self.isASCII = isASCII
        self.lacksLineFeed = lacksLineFeed
    }

    /// Nothing known: the filter looks for itself.
    public static let unknown = LineFacts(isASCII: false, lacksLineFeed: false)
}
