/// A file the ban store renamed, so the log can say where the old data went.
public struct MovedFile: Hashable, Sendable, CustomStringConvertible {
    public let from: String
    public let to: String

    public var description: String { "\(from) -> \(to)" }
}
