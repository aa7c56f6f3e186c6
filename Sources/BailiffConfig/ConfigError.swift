/// Where a configuration value or problem comes from.
public struct SourceLocation: Hashable, Sendable, CustomStringConvertible {
    public let file: String
    public let line: Int

    public init(file: String, line: Int) {
        self.file = file
        self.line = line
    }

    public var description: String { line > 0 ? "\(file):\(line)" : file }
}

/// A configuration problem a user can act on: where it is and what was expected.
public struct ConfigError: Error, CustomStringConvertible, Sendable, Equatable {
    public let location: SourceLocation?
    public let message: String

    public init(_ message: String, at location: SourceLocation? = nil) {
        self.message = message
        self.location = location
    }

    public var description: String {
        if let location { return "\(location): \(message)" }
        return message
    }
}
