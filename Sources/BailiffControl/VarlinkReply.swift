/// What a call is answered with.
public enum VarlinkReply: Sendable {
    /// Success, with the method's reply parameters (encoded as a JSON object).
    case parameters(any Encodable & Sendable)
    /// A Varlink error.
    case error(VarlinkError)

    /// Success with no parameters: `{}`.
    public static let empty = VarlinkReply.parameters(VarlinkEmpty())
}

/// What the handler does with a call.
public enum VarlinkHandling: Sendable {
    /// Answer now.
    case reply(VarlinkReply)
    /// Answer later, from the loop thread, with the call's token.
    case deferred

    public static func parameters(_ parameters: any Encodable & Sendable) -> VarlinkHandling {
        .reply(.parameters(parameters))
    }

    public static func error(_ error: VarlinkError) -> VarlinkHandling {
        .reply(.error(error))
    }
}
