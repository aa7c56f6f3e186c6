import BailiffJournal

/// Every entry from the reader's position to the end.
func readRemaining(_ reader: JournalReader, includingCursors: Bool = false) throws -> [JournalEntry] {
    var entries: [JournalEntry] = []
    while let entry = try reader.next(includingCursor: includingCursors) { entries.append(entry) }
    return entries
}

extension JournalEntry {
    var messageText: String { message.map { String(decoding: $0, as: UTF8.self) } ?? "" }

    func text(_ field: String) -> String? { value(of: field).map { String(decoding: $0, as: UTF8.self) } }

    /// The fail2ban line as bytes.
    var line: [UInt8] {
        var buffer: [UInt8] = []
        formatLine(into: &buffer)
        return buffer
    }

    var lineText: String { String(decoding: line, as: UTF8.self) }
}

/// 2023-11-14T22:13:20Z, in microseconds: the base time of the fixtures.
let baseTime: UInt64 = 1_700_000_000_000_000
