import BailiffJournal
import Glibc

/// A ban decision as the state directory keeps it: enough to resume exactly after a stop.
/// On restart the failure windows are rebuilt by replaying the journal before the cursor;
/// failures of an id up to its last decision's trigger entry were used up by that decision
/// and must not be counted again, and a decision whose trigger entry comes after the cursor
/// (made just before a crash) must not be acted on twice.
public struct DecisionRecord: Sendable, Equatable {
    public var jail: String
    public var id: String
    /// The time of the failure that completed the window.
    public var time: Double
    /// The cursor of the entry holding that failure.
    public var triggerCursor: String

    public init(jail: String, id: String, time: Double, triggerCursor: String) {
        self.jail = jail
        self.id = id
        self.time = time
        self.triggerCursor = triggerCursor
    }
}

public struct DecisionLogError: Error, CustomStringConvertible, Sendable {
    public let path: String
    public let line: Int?
    public let reason: String
    public var description: String { "\(path)\(line.map { ":\($0)" } ?? ""): \(reason)" }
}

/// The recent decisions file (`decisions` in the state directory): one tab-separated line
/// per decision — jail, id, time, trigger cursor — replaced atomically like the cursor file.
/// Only decisions young enough to matter for a restart are kept.
public struct DecisionLog: Sendable {
    public let path: String

    public init(path: String) { self.path = path }

    /// The recorded decisions; none when the file does not exist.
    public func read() throws(DecisionLogError) -> [DecisionRecord] {
        guard let file = fopen(path, "r") else {
            if errno == ENOENT { return [] }
            throw DecisionLogError(path: path, line: nil, reason: String(cString: strerror(errno)))
        }
        defer { fclose(file) }
        var records: [DecisionRecord] = []
        var lineNumber = 0
        var buffer: UnsafeMutablePointer<CChar>?
        var capacity = 0
        defer { free(buffer) }
        while getline(&buffer, &capacity, file) >= 0, let buffer {
            lineNumber += 1
            let line = String(cString: buffer).trimmingSuffixNewline()
            if line.isEmpty { continue }
            let parts = line.split(separator: "\t", omittingEmptySubsequences: false)
            guard parts.count == 4, let time = Double(parts[2]), !parts[0].isEmpty, !parts[1].isEmpty, !parts[3].isEmpty else {
                throw DecisionLogError(path: path, line: lineNumber, reason: "expected JAIL<tab>ID<tab>TIME<tab>CURSOR, got '\(line)'")
            }
            records.append(DecisionRecord(jail: String(parts[0]), id: String(parts[1]), time: time, triggerCursor: String(parts[3])))
        }
        return records
    }

    /// Replaces the file with `records` (temp file, fsync, rename, fsync of the directory).
    public func write(_ records: [DecisionRecord]) throws(DecisionLogError) {
        var text = ""
        for record in records {
            text += "\(record.jail)\t\(record.id)\t\(record.time)\t\(record.triggerCursor)\n"
        }
        do {
            try AtomicFile.replace(path: path, contents: Array(text.utf8))
        } catch {
            throw DecisionLogError(path: path, line: nil, reason: error.description)
        }
    }
}

extension String {
    fileprivate func trimmingSuffixNewline() -> String {
        var text = self
        while text.hasSuffix("\n") || text.hasSuffix("\r") { text.removeLast() }
        return text
    }
}
