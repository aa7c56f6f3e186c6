/// An environment variable from the service manager that cannot be what it claims.
public enum ServiceEnvironmentError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The variable holds something other than the expected kind of value.
    case invalidValue(variable: String, value: String, expected: String)
    /// `LISTEN_FDNAMES` names a different number of descriptors than `LISTEN_FDS` passes.
    case nameCountMismatch(descriptors: Int, names: Int)
    /// A passed descriptor is not open.
    case descriptorNotOpen(Int32)

    public var description: String {
        switch self {
        case .invalidValue(let variable, let value, let expected):
            return "\(variable)=\(value) is not \(expected)"
        case .nameCountMismatch(let descriptors, let names):
            return "LISTEN_FDNAMES names \(names) descriptors but LISTEN_FDS passes \(descriptors)"
        case .descriptorNotOpen(let descriptor):
            return "passed descriptor \(descriptor) is not open"
        }
    }
}
