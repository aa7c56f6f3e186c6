/// A Varlink error reply: a qualified error name and its parameters.
public struct VarlinkError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The fully qualified error name, such as `org.varlink.service.MethodNotFound`.
    public let name: String
    public let parameters: [String: JSONValue]

    public init(name: String, parameters: [String: JSONValue] = [:]) {
        self.name = name
        self.parameters = parameters
    }

    /// A string parameter of the error, when it has one by that name.
    public func string(_ parameter: String) -> String? {
        parameters[parameter]?.stringValue
    }

    public var description: String {
        if parameters.isEmpty { return name }
        let shown = parameters.keys.sorted().map { key in
            switch parameters[key] {
            case .string(let value): return "\(key): \(value)"
            case let value?: return "\(key): \(value)"
            case nil: return key
            }
        }
        return "\(name) (\(shown.joined(separator: ", ")))"
    }
}

extension VarlinkError {
    /// The errors of `org.varlink.service`, which every service may reply.
    public static func interfaceNotFound(_ interface: String) -> VarlinkError {
        VarlinkError(name: "org.varlink.service.InterfaceNotFound", parameters: ["interface": .string(interface)])
    }

    public static func methodNotFound(_ method: String) -> VarlinkError {
        VarlinkError(name: "org.varlink.service.MethodNotFound", parameters: ["method": .string(method)])
    }

    public static func methodNotImplemented(_ method: String) -> VarlinkError {
        VarlinkError(name: "org.varlink.service.MethodNotImplemented", parameters: ["method": .string(method)])
    }

    public static func invalidParameter(_ parameter: String) -> VarlinkError {
        VarlinkError(name: "org.varlink.service.InvalidParameter", parameters: ["parameter": .string(parameter)])
    }

    public static let permissionDenied = VarlinkError(name: "org.varlink.service.PermissionDenied")

    public static let expectedMore = VarlinkError(name: "org.varlink.service.ExpectedMore")
}
