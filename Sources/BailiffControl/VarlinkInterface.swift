/// An interface a server implements: its name and its description in the Varlink interface
/// definition language, as `org.varlink.service.GetInterfaceDescription` returns it.
public struct VarlinkInterface: Sendable {
    /// The reverse-domain name, such as `io.bailiff`.
    public let name: String
    /// The interface definition text.
    public let description: String
    /// The method names the description declares, unqualified; calls of other methods of
    /// this interface get `MethodNotFound` without reaching the handler.
    public let methods: Set<String>

    public init(name: String, description: String) {
        self.name = name
        self.description = description
        self.methods = Self.declaredMethods(in: description)
    }

    /// The names after each `method` keyword, skipping comments.
    static func declaredMethods(in description: String) -> Set<String> {
        var names: Set<String> = []
        for line in description.split(separator: "\n") {
            let code = line.prefix { $0 != "#" }
            let words = code.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "(" })
            if words.count >= 2, words[0] == "method" {
                names.insert(String(words[1]))
            }
        }
        return names
    }
}
