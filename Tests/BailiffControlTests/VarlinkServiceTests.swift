import BailiffControl
import BailiffTestSupport
import Testing

/// `org.varlink.service`, answered by the server itself, and calls with nowhere to go.
@Suite struct VarlinkServiceTests {
    @Test func getInfoListsTheService() throws {
        try withServer { server throws in
            let info = try server.client().call(VarlinkServiceInterface.GetInfo.self)
            #expect(info.vendor == "bailiff")
            #expect(info.product == "bailiffd")
            #expect(info.version == "0.1.0-test")
            #expect(info.url == "https://example.org/bailiff")
            #expect(info.interfaces == ["org.varlink.service", "io.bailiff"])
        }
    }

    @Test func interfaceDescriptions() throws {
        try withServer { server throws in
            let client = try server.client()
            let bailiff = try client.call(VarlinkServiceInterface.GetInterfaceDescription.self, .init(interface: "io.bailiff"))
            #expect(bailiff.description == BailiffInterface.interface.description)
            #expect(bailiff.description.contains("method Ban(jail: string, addresses: []string) -> (banned: []string)"))
            let service = try client.call(VarlinkServiceInterface.GetInterfaceDescription.self, .init(interface: "org.varlink.service"))
            #expect(service.description.contains("interface org.varlink.service"))
            #expect(throws: VarlinkClientError.remote(.interfaceNotFound("com.example.nothing"))) {
                try client.call(VarlinkServiceInterface.GetInterfaceDescription.self, .init(interface: "com.example.nothing"))
            }
        }
    }

    @Test func unknownMethodAndInterface() throws {
        try withServer { server throws in
            let client = try server.client()
            #expect(throws: VarlinkClientError.remote(.methodNotFound("io.bailiff.Explode"))) {
                try client.call(method: "io.bailiff.Explode", parameters: VarlinkEmpty(), replyType: VarlinkEmpty.self)
            }
            #expect(throws: VarlinkClientError.remote(.interfaceNotFound("com.example.other"))) {
                try client.call(method: "com.example.other.Ping", parameters: VarlinkEmpty(), replyType: VarlinkEmpty.self)
            }
            #expect(throws: VarlinkClientError.remote(.methodNotFound("org.varlink.service.Shutdown"))) {
                try client.call(method: "org.varlink.service.Shutdown", parameters: VarlinkEmpty(), replyType: VarlinkEmpty.self)
            }
            // The connection is still good after errors.
            _ = try client.call(BailiffInterface.Ping.self)
            // Unknown methods never reach the handler.
            #expect(server.statistics.calls == 1)
        }
    }

    @Test func invalidParametersAreNamed() throws {
        try withServer { server throws in
            let connection = try RawConnection(path: server.path)
            connection.write(messages: [
                #"{"method":"io.bailiff.Ban","parameters":{"jail":"sshd","addresses":"203.0.113.7"}}"#,
                #"{"method":"io.bailiff.Ban","parameters":{"addresses":["203.0.113.7"]}}"#,
                #"{"method":"io.bailiff.GetStatus","parameters":{"jail":7}}"#,
                #"{"method":"io.bailiff.Ban"}"#,
                #"{"method":"io.bailiff.Ping"}"#,
            ])
            for parameter in ["addresses", "jail", "jail", "jail"] {
                let reply = connection.receiveObject()
                #expect(reply?.errorName == "org.varlink.service.InvalidParameter")
                #expect(reply?.parameters?["parameter"] as? String == parameter)
            }
            // Wrong parameters are the caller's mistake, not garbage: the connection stays.
            #expect(connection.receive() == .message(#"{"parameters":{}}"#))
        }
    }

    @Test func unknownParametersAreIgnored() throws {
        try withServer { server throws in
            let connection = try RawConnection(path: server.path)
            connection.write(messages: [#"{"method":"io.bailiff.Ping","parameters":{"verbose":true}}"#])
            #expect(connection.receive() == .message(#"{"parameters":{}}"#))
        }
    }
}
