/// Fixed time-zone offsets as fail2ban understands them: `[ABBR][+-]hh[[:]mm]`, where ABBR is
/// one of a fixed list of abbreviations (each a fixed offset, no daylight-saving switch), and
/// the literal `Z`, `UTC` and `GMT`. Offsets are in minutes east of UTC.
enum TimeZoneOffsets {
    /// Offset in minutes of a zone written like `UTC+0200`, `CET`, `+01:00`, `-04` or `` (UTC).
    /// Nil when the text is not of that form or names an unknown abbreviation.
    static func minutes(forZone text: String) -> Int? {
        minutes(forZone: Array(text.utf8))
    }

    static func minutes<C: RandomAccessCollection>(forZone bytes: C) -> Int? where C.Element == UInt8, C.Index == Int {
        let start = bytes.startIndex
        var end = bytes.endIndex
        // A single trailing line feed is tolerated, as by an end-of-text anchor.
        let endAlternatives = end > start && bytes[end - 1] == 0x0A ? [end, end - 1] : [end]
        var letters = 0
        while start + letters < end, isUpper(bytes[start + letters]) { letters += 1 }
        // Abbreviation: one letter, or three to five letters; longest first.
        var abbreviationLengths: [Int] = []
        if letters >= 3 { for length in stride(from: min(letters, 5), through: 3, by: -1) { abbreviationLengths.append(length) } }
        if letters >= 1 { abbreviationLengths.append(1) }
        abbreviationLengths.append(0)
        for candidateEnd in endAlternatives {
            end = candidateEnd
            for abbreviationLength in abbreviationLengths {
                let offsetStart = start + abbreviationLength
                for offsetEnd in offsetEnds(bytes, from: offsetStart, limit: end) where offsetEnd == end {
                    let abbreviation = String(decoding: bytes[start..<offsetStart], as: UTF8.self)
                    guard let base = abbreviationMinutes[abbreviation] else { return nil }
                    return base + offsetMinutes(bytes, offsetStart..<offsetEnd)
                }
            }
        }
        return nil
    }

    /// Ends of `[+-][01]\d(?::?\d{2})?` starting at `position`, longest first, then `position`
    /// itself (no offset).
    private static func offsetEnds<C: RandomAccessCollection>(_ bytes: C, from position: Int, limit: Int) -> [Int] where C.Element == UInt8, C.Index == Int {
        var ends: [Int] = []
        func at(_ index: Int) -> UInt8 { index < limit ? bytes[index] : 0 }
        if at(position) == UInt8(ascii: "+") || at(position) == UInt8(ascii: "-"),
           at(position + 1) == UInt8(ascii: "0") || at(position + 1) == UInt8(ascii: "1"),
           isDigit(at(position + 2)) {
            if at(position + 3) == UInt8(ascii: ":"), isDigit(at(position + 4)), isDigit(at(position + 5)) {
                ends.append(position + 6)
            }
            if isDigit(at(position + 3)), isDigit(at(position + 4)) { ends.append(position + 5) }
            ends.append(position + 3)
        }
        ends.append(position)
        return ends
    }

    /// Minutes of an offset text `+hh`, `+hhmm` or `+hh:mm` (empty: 0).
    static func offsetMinutes<C: RandomAccessCollection>(_ bytes: C, _ range: Range<Int>) -> Int where C.Element == UInt8, C.Index == Int {
        guard range.count >= 3 else { return 0 }
        let sign = bytes[range.lowerBound] == UInt8(ascii: "-") ? -1 : 1
        let hours = digitValue(bytes[range.lowerBound + 1]) * 10 + digitValue(bytes[range.lowerBound + 2])
        if range.count == 3 { return sign * hours * 60 }
        let minuteStart = bytes[range.lowerBound + 3] == UInt8(ascii: ":") ? range.lowerBound + 4 : range.lowerBound + 3
        let minutes = digitValue(bytes[minuteStart]) * 10 + digitValue(bytes[minuteStart + 1])
        return sign * (hours * 60 + minutes)
    }

    @inline(__always) private static func isUpper(_ byte: UInt8) -> Bool { byte >= 0x41 && byte <= 0x5A }
    @inline(__always) private static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }
    @inline(__always) private static func digitValue(_ byte: UInt8) -> Int { Int(byte) - 0x30 }

    /// Known abbreviations, grouped by their offset in minutes.
    private static let abbreviationsByOffset: [(minutes: Int, names: [String])] = [
        (-720, ["Y"]),
        (-660, ["X", "NUT", "SST"]),
        (-600, ["W", "CKT", "HAST", "HST", "TAHT", "TKT"]),
        (-570, ["MART", "MIT"]),
        (-540, ["V", "AKST", "GAMT", "GIT", "HADT", "HNY"]),
        (-480, ["U", "AKDT", "CIST", "HAY", "HNP", "PST", "PT"]),
        (-420, ["T", "HAP", "HNR", "MST", "PDT"]),
        (-360, ["S", "CST", "EAST", "GALT", "HAR", "HNC", "MDT"]),
        (-300, ["R", "CDT", "COT", "EASST", "ECT", "EST", "ET", "HAC", "HNE", "PET"]),
        (-270, ["HLV", "VET"]),
        (-240, ["Q", "AST", "BOT", "CLT", "COST", "EDT", "FKT", "GYT", "HAE", "HNA", "PYT"]),
        (-210, ["HNT", "NST", "NT"]),
        (-180, ["P", "ADT", "ART", "BRT", "CLST", "FKST", "GFT", "HAA", "PMST", "PYST", "SRT", "UYT", "WGT"]),
        (-150, ["HAT", "NDT"]),
        (-120, ["O", "BRST", "FNT", "PMDT", "UYST", "WGST"]),
        (-60, ["N", "AZOT", "CVT", "EGT"]),
        (0, ["", "Z", "EGST", "GMT", "UTC", "WET", "WT"]),
        (60, ["A", "CET", "DFT", "WAT", "WEDT", "WEST"]),
        (120, ["B", "CAT", "CEDT", "CEST", "EET", "SAST", "WAST"]),
        (180, ["C", "EAT", "EEDT", "EEST", "IDT", "MSK"]),
        (210, ["IRST"]),
        (240, ["D", "AMT", "AZT", "GET", "GST", "KUYT", "MSD", "MUT", "RET", "SAMT", "SCT"]),
        (270, ["AFT", "IRDT"]),
        (300, ["E", "AMST", "AQTT", "AZST", "HMT", "MAWT", "MVT", "PKT", "TFT", "TJT", "TMT", "UZT", "YEKT"]),
        (330, ["SLT"]),
        (345, ["NPT"]),
        (360, ["F", "ALMT", "BIOT", "BTT", "IOT", "KGT", "NOVT", "OMST", "YEKST"]),
        (390, ["CCT", "MMT"]),
        (420, ["G", "CXT", "DAVT", "HOVT", "ICT", "KRAT", "NOVST", "OMSST", "THA", "WIB"]),
        (480, ["H", "ACT", "AWST", "BDT", "BNT", "CAST", "HKT", "IRKT", "KRAST", "MYT", "PHT", "SGT", "ULAT", "WITA", "WST"]),
        (540, ["I", "AWDT", "IRKST", "JST", "KST", "PWT", "TLT", "WDT", "WIT", "YAKT"]),
        (570, ["ACST"]),
        (600, ["K", "AEST", "ChST", "PGT", "VLAT", "YAKST", "YAPT"]),
        (630, ["ACDT", "LHST"]),
        (660, ["L", "AEDT", "LHDT", "MAGT", "NCT", "PONT", "SBT", "VLAST", "VUT"]),
        (690, ["NFT"]),
        (720, ["M", "ANAST", "ANAT", "FJT", "GILT", "MAGST", "MHT", "NZST", "PETST", "PETT", "TVT", "WFT"]),
        (780, ["FJST", "NZDT"]),
    ]

    static let abbreviationMinutes: [String: Int] = {
        var table: [String: Int] = [:]
        for group in abbreviationsByOffset { for name in group.names { table[name] = group.minutes } }
        return table
    }()
}
