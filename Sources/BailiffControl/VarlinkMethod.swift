/// A Varlink method with its parameter and reply types, shared by the server's handler and
/// the client so both sides agree on the shapes.
public protocol VarlinkMethod {
    associatedtype Parameters: Codable & Sendable
    associatedtype Reply: Codable & Sendable
    /// The fully qualified name, such as `io.bailiff.Ping`.
    static var name: String { get }
}

/// The parameters or reply of a method that has none: `{}`.
public struct VarlinkEmpty: Codable, Equatable, Sendable {
    public init() {}
}
