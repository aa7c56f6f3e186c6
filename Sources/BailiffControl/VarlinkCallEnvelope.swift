import Foundation

/// The members of a call message the server itself reads; the parameters are decoded later,
/// by the handler, into the method's own type.
struct VarlinkCallEnvelope: Decodable {
    let method: String
    let oneway: Bool
    let more: Bool

    private enum CodingKeys: String, CodingKey {
        case method, parameters, oneway, more
    }

    private struct AnyKey: CodingKey {
        let stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        method = try container.decode(String.self, forKey: .method)
        if container.contains(.parameters), try !container.decodeNil(forKey: .parameters) {
            // Parameters must be an object, whatever the method.
            _ = try container.nestedContainer(keyedBy: AnyKey.self, forKey: .parameters)
        }
        oneway = try container.decodeIfPresent(Bool.self, forKey: .oneway) ?? false
        more = try container.decodeIfPresent(Bool.self, forKey: .more) ?? false
    }

    /// Parses `message`, or names what is wrong with it as the `InvalidParameter` error to
    /// send back: the member at fault, or `message` when it is not a JSON object at all.
    static func parse(_ message: Data, with decoder: JSONDecoder) -> Result<VarlinkCallEnvelope, VarlinkError> {
        do {
            return .success(try decoder.decode(VarlinkCallEnvelope.self, from: message))
        } catch let error as DecodingError {
            let path: [any CodingKey]
            switch error {
            case .keyNotFound(let key, let context): path = context.codingPath + [key]
            case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context): path = context.codingPath
            @unknown default: path = []
            }
            return .failure(.invalidParameter(path.first?.stringValue ?? "message"))
        } catch {
            return .failure(.invalidParameter("message"))
        }
    }
}
