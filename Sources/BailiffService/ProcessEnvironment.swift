import Foundation

/// The process's environment variables: the service protocol types take an environment as a
/// value, so tests can hand them their own, and read this one by default.
public enum ProcessEnvironment {
    /// A snapshot of the environment. Not safe while another thread calls setenv or unsetenv.
    public static func current() -> [String: String] {
        ProcessInfo.processInfo.environment
    }
}
