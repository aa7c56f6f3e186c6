import BailiffConfig
import BailiffFilter
import Glibc
import Foundation

/// Results for one annotated log file.
struct FileResult {
    var log: String
    var filter: String
    var note: String?
    var checked = 0
    var passed = 0
    var timeChecked = 0
    var timeAgreed = 0
    /// Unannotated lines that produced a failure.
    var strayFailures = 0
    var problems: [String] = []

    var skipped: Bool { note != nil && checked == 0 }
}

/// Runs annotated corpus logs through filters, following the annotation format:
/// `failJSON` describes the next line, `filterOptions` sets filter variants (each with
/// its own state), `fileOptions` sets defaults, `addFILE` appends another log.
struct CorpusRunner {
    /// "Now" for the corpus: 2005-08-14 12:00 CEST.
    static let now = 1_124_013_600.0
    static let timeZone = "CET-01CEST-02,M3.5.0,M10.5.0"

    let logsDirectory: String
    let filters: ConfigTree

    /// A filter variant with its own state, shared across the files of one run.
    final class Variant {
        let key: String
        let options: [String: JSONValue]
        let processor: FilterProcessor?
        let error: String?
        init(key: String, options: [String: JSONValue], processor: FilterProcessor?, error: String?) {
            self.key = key; self.options = options; self.processor = processor; self.error = error
        }
    }

    func run(log name: String, filter filterName: String) -> FileResult {
        var result = FileResult(log: name, filter: filterName)
        var cache: [String: Variant] = [:]
        var files = [name]
        var fileIndex = 0
        var commonOptions: [String: JSONValue] = [:]
        var variants: [Variant]? = nil
        var ignoreBlock = false

        func variant(_ options: [String: JSONValue]) -> Variant {
            let filterOptions = options.filter { !$0.key.hasPrefix("test.") }
            let key = filterOptions.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
            if let existing = cache[key] { return existing }
            var reference = NamedReference(name: filterName)
            for (option, value) in filterOptions.sorted(by: { $0.key < $1.key }) { reference.parameters[option] = value.description }
            let made: Variant
            do {
                let definition = try FilterLoader(tree: filters).load(reference)
                let processor = try FilterProcessor(definition: definition, clock: { CorpusRunner.now })
                made = Variant(key: key, options: options, processor: processor, error: nil)
            } catch {
                made = Variant(key: key, options: options, processor: nil, error: "\(error)")
            }
            cache[key] = made
            return made
        }

        while fileIndex < files.count {
            let path = logsDirectory + "/" + files[fileIndex]
            fileIndex += 1
            guard let data = FileManager.default.contents(atPath: path) else {
                result.problems.append("cannot read \(path)")
                continue
            }
            // Split bytes, not Characters: "\r\n" is one Character in Swift.
            let lines = data.split(separator: 0x0A, omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
            var index = 0
            while index < lines.count {
                var line = String(lines[index])
                if line.hasSuffix("\r") { line.removeLast() }
                let lineNumber = index + 1
                index += 1
                var annotation: [String: JSONValue]?
                if let (kind, payload) = CorpusRunner.directive(line) {
                    guard let json = try? JSONDecoder().decode(JSONValue.self, from: Data(payload.utf8)) else {
                        result.problems.append("\(files[fileIndex - 1]):\(lineNumber): unreadable JSON: \(payload)")
                        continue
                    }
                    switch kind {
                    case "fileOptions":
                        commonOptions = json.object ?? [:]
                        continue
                    case "filterOptions":
                        var list: [JSONValue] = []
                        if case .array(let values) = json { list = values } else { list = [json] }
                        variants = []
                        ignoreBlock = false
                        for entry in list {
                            var options = commonOptions
                            for (key, value) in entry.object ?? [:] { options[key] = value }
                            if let condition = options["test.condition"]?.string {
                                ignoreBlock = !CorpusRunner.evaluate(condition, name: filterName, options: options)
                            }
                            if !ignoreBlock { variants!.append(variant(options)) }
                        }
                        continue
                    case "addFILE":
                        if let file = json.string { files.append(file) }
                        continue
                    default:
                        annotation = json.object ?? [:]
                        guard index < lines.count else { continue }
                        line = String(lines[index])
                        if line.hasSuffix("\r") { line.removeLast() }
                        index += 1
                    }
                } else if ignoreBlock || line.hasPrefix("#") || line.trimmingCharacters(in: .whitespaces).isEmpty {
                    continue
                }
                if ignoreBlock { continue }
                if variants == nil {
                    var options = commonOptions
                    options.removeValue(forKey: "test.condition")
                    variants = [variant(commonOptions.isEmpty ? [:] : options)]
                }
                let location = "\(files[fileIndex - 1]):\(index)"
                var linePassed = true
                var lineChecked = false
                for variant in variants! {
                    if let constraint = annotation?["constraint"]?.string,
                       !CorpusRunner.evaluate(constraint, name: filterName, options: variant.options) { continue }
                    guard let processor = variant.processor else {
                        if annotation != nil { lineChecked = true; linePassed = false }
                        if result.problems.count < 50 { result.problems.append("\(location) [\(variant.key)]: filter error: \(variant.error ?? "?")") }
                        continue
                    }
                    let outcome: LineResult
                    if variant.options["logtype"]?.string == "journal" {
                        let prefix = variant.options["test.prefix-line"]?.string ?? ""
                        outcome = processor.process(line: prefix + line, time: CorpusRunner.now)
                    } else {
                        outcome = processor.process(line: line)
                    }
                    guard let annotation else {
                        if !outcome.failures.isEmpty { result.strayFailures += 1 }
                        continue
                    }
                    lineChecked = true
                    let verdict = CorpusRunner.check(annotation, outcome)
                    if let problem = verdict.problem {
                        linePassed = false
                        if result.problems.count < 50 { result.problems.append("\(location) [\(variant.key)]: \(problem)\n      \(line)") }
                    }
                    if let agreed = verdict.timeAgreed {
                        result.timeChecked += 1
                        if agreed { result.timeAgreed += 1 } else if result.problems.count < 50 {
                            result.problems.append("\(location) [\(variant.key)]: time \(outcome.failures.first?.time.map { String($0) } ?? "none") != \(annotation["time"]?.string ?? "")\n      \(line)")
                        }
                    }
                }
                if lineChecked {
                    result.checked += 1
                    if linePassed { result.passed += 1 }
                }
            }
        }
        return result
    }

    static func directive(_ line: String) -> (String, String)? {
        guard line.hasPrefix("#") else { return nil }
        let body = line.drop { $0 == "#" }.drop { $0 == " " }
        for kind in ["failJSON", "fileOptions", "filterOptions", "addFILE"] where body.hasPrefix(kind + ":") {
            return (kind, String(body.dropFirst(kind.count + 1)))
        }
        return nil
    }

    /// The expression forms the corpus uses: `name == 'x'`, `opts.get('k') == 'v'`, `!=`.
    static func evaluate(_ expression: String, name: String, options: [String: JSONValue]) -> Bool {
        let negate = expression.contains("!=")
        let parts = expression.components(separatedBy: negate ? "!=" : "==")
        guard parts.count == 2 else { return true }
        let left = parts[0].trimmingCharacters(in: .whitespaces)
        let right = parts[1].trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "'\""))
        var value: String?
        if left == "name" { value = name }
        else if left.hasPrefix("opts.get("), let open = left.firstIndex(of: "(") {
            let key = left[left.index(after: open)...].trimmingCharacters(in: CharacterSet(charactersIn: "()'\" "))
            value = options[key]?.description
        }
        return negate ? value != right : value == right
    }

    struct Verdict {
        var problem: String?
        var timeAgreed: Bool?
    }

    static func check(_ annotation: [String: JSONValue], _ outcome: LineResult) -> Verdict {
        let expectMatch = annotation["match"]?.bool ?? false
        let failures = outcome.failures
        guard expectMatch else {
            return Verdict(problem: failures.isEmpty ? nil : "matched (\(failures.map(\.id))) but should not have")
        }
        guard let failure = failures.first else { return Verdict(problem: "not matched but should have") }
        var problems: [String] = []
        for (key, expected) in annotation where !["time", "match", "desc", "constraint"].contains(key) {
            var actual: JSONValue?
            switch key {
            case "attempts": actual = .number(Double(failure.attempts))
            case "users": actual = .array(failure.users.sorted().map { .string($0) })
            case "host": actual = .string(failure.captures["host"] ?? failure.id)
            case "ip": actual = (failure.address ?? failure.captures["ip4"] ?? failure.captures["ip6"]).map { .string($0) }
            default: actual = failure.captures[key].map { .string($0) }
            }
            if !same(expected, actual) { problems.append("\(key): expected \(expected), got \(actual?.description ?? "None")") }
        }
        var timeAgreed: Bool?
        if let text = annotation["time"]?.string, let expected = localTime(text) {
            // Agreement to the precision the annotation gives: whole seconds unless it has a fraction.
            let wholeSeconds = !text.contains(".")
            timeAgreed = failure.time.map { wholeSeconds ? $0.rounded(.down) == expected : abs($0 - expected) < 0.000_5 } ?? false
        }
        return Verdict(problem: problems.isEmpty ? nil : problems.joined(separator: "; "), timeAgreed: timeAgreed)
    }

    static func same(_ expected: JSONValue, _ actual: JSONValue?) -> Bool {
        guard let actual else { return expected == .null }
        if case .array(let left) = expected, case .array(let right) = actual {
            return left.map(\.description).sorted() == right.map(\.description).sorted()
        }
        return expected.description == actual.description
    }

    /// `YYYY-MM-DDTHH:MM:SS[.ffffff]` in the process's local time zone.
    static func localTime(_ text: String) -> Double? {
        let parts = text.split(whereSeparator: { "-T:".contains($0) })
        guard parts.count == 6, let year = Int32(parts[0]), let month = Int32(parts[1]), let day = Int32(parts[2]),
              let hour = Int32(parts[3]), let minute = Int32(parts[4]), let second = Double(parts[5]) else { return nil }
        var fields = tm()
        fields.tm_year = year - 1900
        fields.tm_mon = month - 1
        fields.tm_mday = day
        fields.tm_hour = hour
        fields.tm_min = minute
        fields.tm_sec = Int32(second.rounded(.down))
        fields.tm_isdst = -1
        return Double(mktime(&fields)) + (second - second.rounded(.down))
    }
}
