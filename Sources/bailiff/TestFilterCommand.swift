import ArgumentParser
import BailiffConfig
import BailiffFilter
import BailiffJournal
import Glibc
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

struct TestFilterCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test-filter",
        abstract: "Run a filter over a log and report what it matches (bailiff's fail2ban-regex).",
        discussion: """
        LOG is a file, '-' for standard input, a literal log line, or 'journal' for the
        systemd journal (entries selected by the filter's journalmatch, or by --unit).
        FILTER is a filter name from the configuration's filter.d (with optional
        parameters, e.g. 'sshd[mode=aggressive]'), a path to a filter file, or a regex.
        """
    )

    @OptionGroup var options: ConfigOptions
    @Argument(help: "A log file, '-' for standard input, or a literal line.") var log: String
    @Argument(help: "A filter name or path (with [k=v] parameters), or a failregex.") var filter: String
    @Argument(help: "An extra ignoreregex.") var ignoreregex: String?
    @Flag(name: .customLong("print-matched"), help: "Print the lines that matched.") var printMatched = false
    @Flag(name: .customLong("print-missed"), help: "Print the lines that matched no failregex.") var printMissed = false
    @Flag(name: .customLong("print-ignored"), help: "Print the lines an ignoreregex matched.") var printIgnored = false
    @Flag(help: "Print the results as JSON.") var json = false
    @Flag(name: .customLong("show-regexes"), help: "Print each regex as compiled (tags expanded), then exit.") var showRegexes = false
    @Option(help: "Override the filter's datepattern.") var datepattern: String?
    @OptionGroup var journal: JournalOptions
    @Option(help: "With 'journal': start at this time (epoch seconds, -1h, or YYYY-MM-DD[ HH:MM[:SS]]).") var since: String?
    @Option(help: "With 'journal': read this unit's entries instead of the filter's journalmatch.") var unit: String?

    func run() throws {
        let tree = ConfigTree(directory: options.config)
        var definition: FilterDefinition
        do {
            definition = try FilterLoader(tree: tree).resolve(
                specifier: filter, ignoreregex: ignoreregex.map { [$0] } ?? [], backend: readsJournal ? "systemd" : "auto")
        } catch {
            printError("error: \(error)")
            throw ExitCode(2)
        }
        if let datepattern { definition.datepattern = datepattern }
        let processor: FilterProcessor
        let entryTime = EntryTime()
        do {
            // Journal entries carry their time; multi-line state ages by it.
            let wallClock: @Sendable () -> Double = { Double(time(nil)) }
            let entryClock: @Sendable () -> Double = { entryTime.value }
            let clock = readsJournal ? entryClock : wallClock
            processor = try FilterProcessor(definition: definition, clock: clock)
            // The summary counts failures; it never prints their lines, and only
            // --print-matched shows who failed.
            processor.keepsMatchedLines = false
            processor.buildsFailures = printMatched
        } catch {
            printError("error: \(error)")
            throw ExitCode(2)
        }
        if showRegexes {
            if let prefregex = processor.prefregex { print("prefregex: \(prefregex.pattern.source)") }
            for (index, regex) in processor.failregexes.enumerated() { print("failregex \(index + 1): \(regex.pattern.source)") }
            for (index, regex) in processor.ignoreregexes.enumerated() { print("ignoreregex \(index + 1): \(regex.pattern.source)") }
            if let combined = processor.combinedPatternSource { print("combined: \(combined)") }
            return
        }
        var summary = FilterSummary(definition: definition)
        let printing = printMatched || printMissed || printIgnored
        if readsJournal {
            try runOnJournal(definition: definition, processor: processor, entryTime: entryTime, summary: &summary, printing: printing)
            try printSummary(summary, source: "journal (\(journal.source))")
            return
        }
        let isFile = log == "-" || FileManager.default.fileExists(atPath: log)
        // Closure literals straight in the calls: they stay non-escaping, so the counts they
        // update are not boxed and checked for exclusive access on every line.
        if isFile {
            do {
                try LineReader.forEachLine(path: log) { line, facts in
                    let result = processor.process(line: line, facts: facts)
                    summary.record(result)
                    if printing { printLine(line, result) }
                }
            } catch {
                printError("error: \(error)")
                throw ExitCode(2)
            }
        } else {
            var text = log
            text.withUTF8 { bytes in
                let line = UnsafeRawBufferPointer(bytes)
                let result = processor.process(line: line)
                summary.record(result)
                if printing { printLine(line, result) }
            }
        }
        try printSummary(summary, source: isFile ? log : "(literal line)")
    }

    /// 'journal' names the journal, unless a file of that name is meant.
    private var readsJournal: Bool { log == "journal" && !FileManager.default.fileExists(atPath: log) }

    private func printSummary(_ summary: FilterSummary, source: String) throws {
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(summary), as: UTF8.self))
        } else {
            print(summary.text(source: source))
        }
    }

    /// Runs the filter over the journal entries its journalmatch (or --unit) selects, each
    /// shown to the filter as fail2ban's journal backend shows it.
    private func runOnJournal(
        definition: FilterDefinition, processor: FilterProcessor, entryTime: EntryTime, summary: inout FilterSummary, printing: Bool
    ) throws {
        do {
            let words = unit.map { ["_SYSTEMD_UNIT=\($0)"] } ?? definition.journalmatchWords
            let match = try JournalMatch(words: words)
            // journald may truncate or free files it archives while they are being read.
            try JournalBusErrorGuard.install()
            let reader = try JournalReader(source: journal.source, matches: JournalMatchSet([match]))
            if let since {
                try reader.seek(time: try TimeArgument.parse(since, now: Double(time(nil))))
            } else {
                try reader.seekHead()
            }
            var line: [UInt8] = []
            while let entry = try reader.next() {
                entry.formatLine(into: &line)
                entryTime.value = entry.time
                let result = line.withUnsafeBytes { processor.process(line: $0, time: entry.time) }
                summary.record(result)
                if printing { line.withUnsafeBytes { printLine($0, result) } }
            }
        } catch let error as ValidationError {
            throw error
        } catch {
            printError("error: \(error)")
            throw ExitCode(2)
        }
    }

    private func printLine(_ line: UnsafeRawBufferPointer, _ result: LineResult) {
        let text = String(decoding: line, as: UTF8.self)
        switch result.outcome {
        case .matched:
            if printMatched {
                let hosts = result.failures.map(\.id).joined(separator: ",")
                print("matched\(hosts.isEmpty ? "" : " [\(hosts)]"): \(text)")
            }
        case .missed, .tooComplex:
            if printMissed { print("missed: \(text)") }
        case .ignored:
            if printIgnored { print("ignored: \(text)") }
        }
    }
}

/// The time of the journal entry being filtered, for the filter's clock.
final class EntryTime: @unchecked Sendable {
    var value = 0.0
}

/// Counts for `test-filter`, in the terms fail2ban-regex users know.
struct FilterSummary: Encodable {
    struct RegexHits: Encodable {
        var regex: String
        var hits: Int
    }
    var filter: String
    var lines = 0
    var matched = 0
    var ignored = 0
    var missed = 0
    var failures = 0
    var tooComplex = 0
    var linesWithoutDate = 0
    var failregex: [RegexHits]
    var ignoreregex: [RegexHits]

    init(definition: FilterDefinition) {
        filter = definition.reference.description
        failregex = definition.failregex.map { RegexHits(regex: $0.text, hits: 0) }
        ignoreregex = definition.ignoreregex.map { RegexHits(regex: $0.text, hits: 0) }
    }

    mutating func record(_ result: LineResult) {
        lines += 1
        if result.time == nil { linesWithoutDate += 1 }
        switch result.outcome {
        case .matched(let index):
            matched += 1
            failregex[index].hits += 1
            if result.failed { failures += 1 }
        case .ignored(let index):
            ignored += 1
            ignoreregex[index].hits += 1
        case .missed:
            missed += 1
        case .tooComplex:
            missed += 1
            tooComplex += 1
        }
    }

    func text(source: String) -> String {
        var out = ["Filter: \(filter)", "Log:    \(source)", "", "Failregex: \(matched) total"]
        for (index, regex) in failregex.enumerated() { out.append("  \(index + 1)) [\(regex.hits)] \(regex.regex)") }
        out.append("Ignoreregex: \(ignored) total")
        for (index, regex) in ignoreregex.enumerated() { out.append("  \(index + 1)) [\(regex.hits)] \(regex.regex)") }
        out.append("")
        out.append("Lines: \(lines) lines, \(ignored) ignored, \(matched) matched, \(missed) missed")
        out.append("Failures: \(failures) (matched lines not marked as no-failure)")
        if linesWithoutDate > 0 { out.append("Lines without a date: \(linesWithoutDate)") }
        if tooComplex > 0 { out.append("Lines skipped at the match limit: \(tooComplex)") }
        return out.joined(separator: "\n")
    }
}
