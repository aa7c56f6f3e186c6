/// A command ready to run: the script for `/bin/sh -c` and the variables its free-text
/// tags refer to.
public struct RenderedCommand: Sendable, Hashable {
    public var script: String
    public var environment: [String: String]

    public init(script: String, environment: [String: String] = [:]) {
        self.script = script
        self.environment = environment
    }
}
