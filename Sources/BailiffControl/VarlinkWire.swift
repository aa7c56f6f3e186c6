import Foundation

/// How Varlink messages look on the socket: one JSON object each, ended by a NUL byte.
enum VarlinkWire {
    static let terminator: UInt8 = 0

    static func makeEncoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        // Sorted keys keep replies byte-for-byte stable; escaped slashes would only make
        // paths and CIDR networks harder to read.
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // A NaN or infinity (0/0 in a rate) must not fail a whole reply.
        encoder.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        return encoder
    }

    /// A call message: `{"method": ..., "parameters": {...}, "oneway": true?}` and the NUL.
    static func call<P: Encodable>(method: String, parameters: P, oneway: Bool) throws -> Data {
        try makeEncoder().encode(CallMessage(method: method, parameters: parameters, oneway: oneway ? true : nil)) + [terminator]
    }

    /// A reply message carrying already encoded parameters (a JSON object).
    static func reply(parameters: Data, continues: Bool) -> [UInt8] {
        var message = Array(#"{"#.utf8)
        if continues { message += Array(#""continues":true,"#.utf8) }
        message += Array(#""parameters":"#.utf8)
        message += parameters
        message += [UInt8(ascii: "}"), terminator]
        return message
    }

    /// An error message.
    static func error(_ error: VarlinkError) -> [UInt8] {
        let encoded = (try? makeEncoder().encode(ErrorMessage(error: error.name, parameters: error.parameters)))
            // Strings and JSON values always encode; this only spares the caller a `try`.
            ?? Data(#"{"error":"org.varlink.service.InvalidParameter","parameters":{"parameter":"error"}}"#.utf8)
        return Array(encoded) + [terminator]
    }

    private struct CallMessage<P: Encodable>: Encodable {
        let method: String
        let parameters: P
        let oneway: Bool?
    }

    struct ErrorMessage: Encodable {
        let error: String
        let parameters: [String: JSONValue]
    }
}
