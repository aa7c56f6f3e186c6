import Foundation

/// One call received by the server, handed to the daemon's handler.
public struct VarlinkCall: Sendable {
    /// The fully qualified method name, such as `io.bailiff.Ban`.
    public let method: String
    /// The caller wants no reply; whatever the handler answers is dropped.
    public let isOneway: Bool
    /// The caller accepts several replies (`continues: true` on all but the last).
    public let acceptsMore: Bool
    /// Completes the call later when the handler answers `.deferred`.
    public let token: VarlinkCallToken
    /// The calling process, when the kernel told.
    public let peer: VarlinkPeer?
    /// The whole message as received, without its NUL, decoded again for typed parameters.
    let message: Data

    /// The parameters as `P`; a missing `parameters` member reads as `{}`.
    /// A missing or mistyped parameter throws `org.varlink.service.InvalidParameter` naming it.
    public func parameters<P: Decodable>(as type: P.Type) throws(VarlinkError) -> P {
        let decoder = JSONDecoder()
        do {
            if let parameters = try decoder.decode(ParametersMember<P>.self, from: message).parameters {
                return parameters
            }
            return try decoder.decode(P.self, from: Data("{}".utf8))
        } catch let error as DecodingError {
            throw .invalidParameter(Self.parameterName(in: error))
        } catch {
            throw .invalidParameter("parameters")
        }
    }

    /// The parameters of `method`.
    public func parameters<M: VarlinkMethod>(of method: M.Type) throws(VarlinkError) -> M.Parameters {
        try parameters(as: M.Parameters.self)
    }

    /// Whether this is a call of `method`.
    public func isCall<M: VarlinkMethod>(of method: M.Type) -> Bool {
        self.method == M.name
    }

    private struct ParametersMember<P: Decodable>: Decodable {
        let parameters: P?
    }

    /// The top-level parameter a decoding error is about: the member after `parameters`.
    private static func parameterName(in error: DecodingError) -> String {
        var path: [any CodingKey]
        switch error {
        case .keyNotFound(let key, let context): path = context.codingPath + [key]
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context): path = context.codingPath
        @unknown default: path = []
        }
        if path.first?.stringValue == "parameters" { path.removeFirst() }
        return path.first?.stringValue ?? "parameters"
    }
}
