import BailiffNetwork

/// Reads what `actionlist` prints: one banned address or network per line, as its first
/// word; blank lines and `#` comments are skipped.
enum BannedListParser {
    struct Failure: Error {
        let line: String
        let reason: AddressParseError
    }

    static func parse(_ text: String) throws(Failure) -> Set<IPNetwork> {
        var targets = Set<IPNetwork>()
        for line in text.split(whereSeparator: \.isNewline) {
            guard let word = line.split(whereSeparator: \.isWhitespace).first, !word.hasPrefix("#") else { continue }
            do throws(AddressParseError) {
                let network = try IPNetwork(parsing: String(word))
                targets.insert(network.unmappedIPv4 ?? network)
            } catch {
                throw Failure(line: String(line), reason: error)
            }
        }
        return targets
    }
}
