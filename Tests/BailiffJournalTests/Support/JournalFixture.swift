import BailiffTestSupport
import Glibc

/// One entry in the journal export format (https://systemd.io/JOURNAL_EXPORT_FORMATS/).
struct ExportEntry {
    var realtime: UInt64
    var monotonic: UInt64
    var bootID = "0123456789abcdef0123456789abcdef"
    /// Fields in order; a field may repeat.
    var fields: [(name: String, value: [UInt8])] = []

    init(realtime: UInt64, monotonic: UInt64? = nil, _ fields: KeyValuePairs<String, String> = [:]) {
        self.realtime = realtime
        self.monotonic = monotonic ?? realtime % 1_000_000_000_000
        for (name, value) in fields { self.fields.append((name, Array(value.utf8))) }
    }

    mutating func add(_ name: String, _ value: String) { fields.append((name, Array(value.utf8))) }
    mutating func add(_ name: String, bytes: [UInt8]) { fields.append((name, bytes)) }
}

/// Builds real journal files: entries written in the export format and fed to
/// `systemd-journal-remote`, which writes them as journald would.
enum JournalFixture {
    static let journalRemote = "/lib/systemd/systemd-journal-remote"

    /// The export-format serialization of `entries`.
    static func export(_ entries: [ExportEntry]) -> [UInt8] {
        var out: [UInt8] = []
        for entry in entries {
            out += Array("__REALTIME_TIMESTAMP=\(entry.realtime)\n__MONOTONIC_TIMESTAMP=\(entry.monotonic)\n_BOOT_ID=\(entry.bootID)\n".utf8)
            for (name, value) in entry.fields {
                out += Array(name.utf8)
                if needsBinaryForm(value) {
                    // FIELD\n, little-endian 64-bit length, the bytes, \n.
                    out.append(0x0A)
                    withUnsafeBytes(of: UInt64(value.count).littleEndian) { out += $0 }
                    out += value
                    out.append(0x0A)
                } else {
                    out.append(UInt8(ascii: "="))
                    out += value
                    out.append(0x0A)
                }
            }
            out.append(0x0A)
        }
        return out
    }

    /// Text form only for printable UTF-8 without newlines.
    private static func needsBinaryForm(_ value: [UInt8]) -> Bool {
        if value.contains(where: { $0 < 0x20 || $0 == 0x7F }) { return true }
        var decoder = UTF8()
        var iterator = value.makeIterator()
        while true {
            switch decoder.decode(&iterator) {
            case .scalarValue: continue
            case .emptyInput: return false
            case .error: return true
            }
        }
    }

    /// Writes `entries` as the journal file `path` (which must end in `.journal`).
    static func writeJournal(_ entries: [ExportEntry], to path: String) throws {
        let exportPath = path + ".export"
        try writeFile(exportPath, export(entries))
        defer { unlink(exportPath) }
        try Subprocess.run([journalRemote, "--output=\(path)", "-"], inputFile: exportPath)
    }
}
