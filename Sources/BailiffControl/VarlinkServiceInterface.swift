/// `org.varlink.service`, which every Varlink service implements; `VarlinkServer` answers it
/// itself.
public enum VarlinkServiceInterface {
    public static let name = "org.varlink.service"

    /// What `GetInfo` tells about the service.
    public struct Identity: Equatable, Sendable {
        public let vendor: String
        public let product: String
        public let version: String
        public let url: String

        public init(vendor: String, product: String, version: String, url: String) {
            self.vendor = vendor
            self.product = product
            self.version = version
            self.url = url
        }
    }

    public enum GetInfo: VarlinkMethod {
        public static let name = "org.varlink.service.GetInfo"
        public typealias Parameters = VarlinkEmpty

        public struct Reply: Codable, Equatable, Sendable {
            public let vendor: String
            public let product: String
            public let version: String
            public let url: String
            public let interfaces: [String]

            public init(identity: Identity, interfaces: [String]) {
                self.vendor = identity.vendor
                self.product = identity.product
                self.version = identity.version
                self.url = identity.url
                self.interfaces = interfaces
            }
        }
    }

    public enum GetInterfaceDescription: VarlinkMethod {
        public static let name = "org.varlink.service.GetInterfaceDescription"

        public struct Parameters: Codable, Equatable, Sendable {
            public let interface: String
            public init(interface: String) { self.interface = interface }
        }

        public struct Reply: Codable, Equatable, Sendable {
            public let description: String
            public init(description: String) { self.description = description }
        }
    }

    /// The interface's definition: the declarations are fixed by the protocol, so that any
    /// client can read them; the comments are ours.
    public static let interface = VarlinkInterface(name: name, description: """
        # Implemented by every Varlink service: what the service is and which
        # interfaces it offers.
        interface org.varlink.service

        # The service's vendor, product, version and web address, and the names of
        # all interfaces it implements.
        method GetInfo() -> (
          vendor: string,
          product: string,
          version: string,
          url: string,
          interfaces: []string
        )

        # The definition text of one of the service's interfaces.
        method GetInterfaceDescription(interface: string) -> (description: string)

        # The service implements no interface of that name.
        error InterfaceNotFound (interface: string)

        # The interface has no method of that name.
        error MethodNotFound (method: string)

        # The interface declares the method, but the service does not implement it.
        error MethodNotImplemented (method: string)

        # A parameter is missing or has the wrong type or value.
        error InvalidParameter (parameter: string)

        # The caller may not call this method.
        error PermissionDenied ()

        # The method must be called with 'more' set to true.
        error ExpectedMore ()

        """)
}
