/// Python's `shlex.split(line)` (POSIX mode, no comments), which fail2ban applies to each
/// line of `journalmatch`: whitespace separates words, `'...'` quotes literally, `"..."`
/// quotes with `\"` and `\\` escapes, and a backslash outside quotes escapes any character.
public enum ShellWords {
    public enum Failure: Error, Equatable, Sendable, CustomStringConvertible {
        case unclosedQuote(Character)
        case trailingBackslash

        public var description: String {
            switch self {
            case .unclosedQuote(let quote): return "no closing \(quote)"
            case .trailingBackslash: return "a backslash at the end with nothing to escape"
            }
        }
    }

    public static func split(_ line: Substring) throws(Failure) -> [String] {
        // Code points, not grapheme clusters: a quote followed by a combining mark is still a quote.
        var words: [String] = []
        var word = String.UnicodeScalarView()
        var inWord = false
        var iterator = line.unicodeScalars.makeIterator()
        while let character = iterator.next() {
            switch character {
            case " ", "\t", "\r", "\n":
                if inWord { words.append(String(word)); word = String.UnicodeScalarView(); inWord = false }
            case "'":
                inWord = true
                while true {
                    guard let next = iterator.next() else { throw .unclosedQuote("'") }
                    if next == "'" { break }
                    word.append(next)
                }
            case "\"":
                inWord = true
                while true {
                    guard let next = iterator.next() else { throw .unclosedQuote("\"") }
                    if next == "\"" { break }
                    if next == "\\" {
                        guard let escaped = iterator.next() else { throw .trailingBackslash }
                        // Inside double quotes only \" and \\ are escapes; other backslashes stay.
                        if escaped != "\"" && escaped != "\\" { word.append("\\") }
                        word.append(escaped)
                        continue
                    }
                    word.append(next)
                }
            case "\\":
                guard let escaped = iterator.next() else { throw .trailingBackslash }
                inWord = true
                word.append(escaped)
            default:
                inWord = true
                word.append(character)
            }
        }
        if inWord { words.append(String(word)) }
        return words
    }

    /// Quotes `word` so `split` gives it back unchanged.
    public static func quote(_ word: String) -> String {
        let plain = !word.isEmpty && word.unicodeScalars.allSatisfy { scalar in
            scalar.isASCII && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || "@%+=:,./_-".unicodeScalars.contains(scalar))
        }
        if plain { return word }
        return "'" + word.replacingAll("'", with: "'\"'\"'") + "'"
    }
}

