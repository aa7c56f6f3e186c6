/// Spots failregexes that let log content choose the banned address: a greedy
/// catch-all (`.*`, `.+`) before `<HOST>` whose match is not pinned down after it
/// (no end anchor, or another catch-all follows). A user name such as
/// `x from 203.0.113.9` could then make the filter ban a bystander.
public enum InjectionCheck {
    public static func isInjectable(_ regex: String) -> Bool {
        let hostTags = ["<HOST>", "<ADDR>", "<IP4>", "<IP6>", "<DNS>", "<SUBNET>"]
        guard let host = hostTags.compactMap({ regex.firstRange(of: $0) }).min(by: { $0.lowerBound < $1.lowerBound }) else {
            return false
        }
        let before = regex[..<host.lowerBound]
        guard let greedy = greedyCatchAll(in: before) else { return false }
        // An anchor between the catch-all and the host pins it.
        if before[greedy...].contains(where: { $0 == "$" || $0 == "^" }) { return false }
        let after = regex[host.upperBound...]
        let endsAnchored = after.hasSuffix("$") && !after.hasSuffix("\\$")
        return !endsAnchored || greedyCatchAll(in: after) != nil
    }

    /// Position of the last `.*` or `.+` not made lazy by a following `?`.
    static func greedyCatchAll(in text: Substring) -> Substring.Index? {
        var found: Substring.Index?
        var index = text.startIndex
        var escaped = false
        while index < text.endIndex {
            let character = text[index]
            if escaped { escaped = false; index = text.index(after: index); continue }
            if character == "\\" { escaped = true; index = text.index(after: index); continue }
            if character == "." {
                let next = text.index(after: index)
                if next < text.endIndex, text[next] == "*" || text[next] == "+" {
                    let lazy = text.index(after: next)
                    if lazy >= text.endIndex || text[lazy] != "?" { found = index }
                }
            }
            index = text.index(after: index)
        }
        return found
    }
}
