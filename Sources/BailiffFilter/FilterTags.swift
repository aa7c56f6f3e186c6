/// Expands fail2ban's regex tags into named groups: `<HOST>`, `<ADDR>`, `<IP4>`, `<IP6>`,
/// `<DNS>`, `<CIDR>`, `<SUBNET>`, `<F-ID/>`, `<F-PORT/>`, `<SKIPLINES>`, and any
/// `<F-NAME>...</F-NAME>` capture (stored under the lower-case name; `id` → `fid`,
/// `port` → `fport`).
public enum FilterTags {
    static let ipv4 = #"(?:\d{1,3}\.){3}\d{1,3}"#
    static let ipv6 = #"(?:[0-9a-fA-F]{1,4}::?|::){1,7}(?:[0-9a-fA-F]{1,4}|(?<=:):)"#
    static let separatedIPv4 = #"(?:::f{4,6}:)?(?P<ip4>"# + ipv4 + ")"
    static let separatedIPv6 = "(?P<ip6>" + ipv6 + ")"
    static let dns = #"(?P<dns>[\w\-.^_]*\w)"#
    static let cidr = #"(?P<cidr>\d+)"#
    static let addr = #"\[?(?:"# + separatedIPv4 + "|" + separatedIPv6 + #")\]?"#
    static let hostWithDNS = "(?:" + addr + "|" + dns + ")"
    static let subnet = #"\[?(?:"# + separatedIPv4 + "|" + separatedIPv6 + ")(?:/" + cidr + #")?\]?"#

    static let fixed: [String: String] = [
        "IP4": separatedIPv4, "F-IP4/": separatedIPv4,
        "IP6": separatedIPv6, "F-IP6/": separatedIPv6,
        "ADDR": addr, "F-ADDR/": addr,
        "CIDR": cidr, "F-CIDR/": cidr,
        "SUBNET": subnet, "F-SUBNET/": subnet,
        "DNS": dns, "F-DNS/": dns,
        "F-ID/": #"(?P<fid>\S+)"#,
        "F-PORT/": #"(?P<fport>\w+)"#,
    ]

    /// The group name a `<F-NAME>` tag captures into.
    public static func groupName(forTag tag: String) -> String {
        let lower = tag.lowercased()
        switch lower {
        case "id": return "fid"
        case "port": return "fport"
        default: return lower
        }
    }

    /// - Parameter useDNS: when false (`usedns = no`), `<HOST>` matches addresses only.
    public static func expand(_ regex: String, useDNS: Bool = true) -> String {
        var out = ""
        var openTags = Set<String>()
        var skipLines = 0
        var rest = Substring(regex)
        while let open = rest.firstIndex(of: "<") {
            out += rest[..<open]
            guard let (tag, end) = readTag(rest, at: open) else {
                out.append("<")
                rest = rest[rest.index(after: open)...]
                continue
            }
            rest = rest[end...]
            let inner = String(tag.dropFirst().dropLast())
            if inner == "HOST" { out += useDNS ? hostWithDNS : addr; continue }
            if inner == "SKIPLINES" {
                out += #"\n(?P<skiplines"# + String(skipLines) + #">(?:(?:.*\n)*?))"#
                skipLines += 1
                continue
            }
            if let replacement = fixed[inner] { out += replacement; continue }
            if let custom = customName(inner) {
                if custom.closing {
                    out += openTags.contains(custom.name) ? ")" : tag
                } else {
                    openTags.insert(custom.name)
                    out += "(?P<" + groupName(forTag: custom.name) + ">"
                }
                continue
            }
            out += tag
        }
        out += rest
        return out
    }

    /// Reads `</?[\w-]+/?>` at `open`; returns the tag text and the index after it.
    static func readTag(_ text: Substring, at open: Substring.Index) -> (String, Substring.Index)? {
        var index = text.index(after: open)
        if index < text.endIndex, text[index] == "/" { index = text.index(after: index) }
        let nameStart = index
        while index < text.endIndex, text[index].isLetter || text[index].isNumber || text[index] == "_" || text[index] == "-" {
            index = text.index(after: index)
        }
        guard index > nameStart, index < text.endIndex else { return nil }
        if text[index] == "/" { index = text.index(after: index) }
        guard index < text.endIndex, text[index] == ">" else { return nil }
        let end = text.index(after: index)
        return (String(text[open..<end]), end)
    }

    /// `F-NAME` or `/F-NAME` with an upper-case name.
    static func customName(_ inner: String) -> (name: String, closing: Bool)? {
        var body = Substring(inner)
        let closing = body.hasPrefix("/")
        if closing { body = body.dropFirst() }
        guard body.hasPrefix("F-") else { return nil }
        let name = body.dropFirst(2)
        guard !name.isEmpty, name.allSatisfy({ ($0.isUppercase && $0.isASCII) || $0.isNumber || $0 == "_" || $0 == "-" }) else { return nil }
        return (String(name), closing)
    }
}
