/// Parses the plain decimal numbers the service manager writes into the environment.
enum EnvironmentNumber {
    /// Digits only, as systemd's safe_atou64 accepts them (no sign, no spaces), or nil.
    static func unsigned(_ text: String) -> UInt64? {
        guard !text.isEmpty, text.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else { return nil }
        return UInt64(text)
    }

    /// A process ID: a positive number that fits pid_t.
    static func processID(_ text: String) -> Int32? {
        guard let value = unsigned(text), value > 0, value <= UInt64(Int32.max) else { return nil }
        return Int32(value)
    }
}
