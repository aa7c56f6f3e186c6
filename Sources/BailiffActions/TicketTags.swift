/// The per-ban tags bailiff fills in, split by how their values may be used.
enum TicketTags {
    /// Values bailiff formats itself (an address parsed and printed back, numbers, the
    /// family): plain text with no shell or firewall-tool syntax in it, so they are
    /// written into commands and batch lines as they are.
    static let formatted: Set<String> = [
        "ip", "ip-rev", "ip-kind", "family", "bantime", "kernel-timeout", "failures", "ipfailures", "ipjailfailures", "time", "bancount",
    ]

    /// Tags that always carry text taken from logs; so does every `<F-NAME>` capture.
    static let logText: Set<String> = ["matches", "ipmatches", "ipjailmatches", "fid", "ip-host", "raw-host"]

    /// Every name that must be left for the ticket when the static tags are resolved.
    static let perBan: Set<String> = formatted.union(logText).subtracting(["family"])

    /// The longest timeout ipset accepts; longer bans are kept until bailiff removes them,
    /// as with a permanent ban.
    static let longestKernelTimeout = 2_147_483

    static func isLogText(_ name: String) -> Bool {
        logText.contains(name) || name.hasPrefix("F-")
    }

    static func formattedValue(_ name: String, for ticket: BanTicket) -> String? {
        switch name {
        case "ip": return ticket.target.description
        case "ip-rev": return reversed(ticket)
        // Lets an action keep networks apart from single addresses (nftables deletes
        // from a plain set far faster than from an interval set).
        case "ip-kind": return ticket.target.isSingleAddress ? "addr" : "net"
        case "family": return ticket.family.rawValue
        case "bantime": return String(ticket.bantime ?? -1)
        case "kernel-timeout":
            guard let bantime = ticket.bantime, bantime <= longestKernelTimeout else { return "0" }
            return String(max(1, bantime))
        case "failures", "ipfailures", "ipjailfailures": return String(ticket.failures)
        case "time": return String(Int64(ticket.time.rounded(.down)))
        case "bancount": return String(ticket.banCount)
        default: return nil
        }
    }

    /// The value of a free-text tag, or nil when the name is not one (the tag then stays
    /// in the command as written, as fail2ban leaves tags it does not know).
    static func textValue(_ name: String, for ticket: BanTicket) -> String? {
        if let value = ticket.text[name] { return value }
        if name.hasPrefix("F-") {
            let key = String(name.dropFirst(2)).lowercased()
            return ticket.captures[key] ?? ticket.captures[name] ?? ""
        }
        switch name {
        case "matches", "ipmatches", "ipjailmatches": return ticket.matches.joined(separator: "\n")
        case "fid": return ticket.failureID ?? ticket.captures["fid"] ?? ticket.target.description
        case "ip-host", "raw-host": return ""
        default: return nil
        }
    }

    /// The address's labels reversed, as DNS lists look them up: `7.2.0.192.` for
    /// 192.0.2.7, one label per hex digit for IPv6.
    static func reversed(_ ticket: BanTicket) -> String {
        let bytes = ticket.target.address.networkBytes
        let labels: [String]
        switch ticket.target.address.family {
        case .v4:
            labels = bytes.map(String.init)
        case .v6:
            labels = bytes.flatMap { [String($0 >> 4, radix: 16), String($0 & 0xF, radix: 16)] }
        }
        return labels.reversed().joined(separator: ".") + "."
    }
}
