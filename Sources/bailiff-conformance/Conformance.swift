import ArgumentParser
import BailiffConfig
import Foundation
import Glibc

/// Checks filters against fail2ban's annotated sample logs and prints a table per file.
@main
struct Conformance: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bailiff-conformance",
        abstract: "Run annotated fail2ban sample logs through filters and report agreement."
    )

    @Option(help: "The fail2ban corpus (holds logs/ and filter.d/).")
    var corpus = "../shared/fail2ban-corpus"

    @Option(help: "Configuration directory whose filter.d is tested; default: the corpus itself.")
    var filters: String?

    @Option(name: .customLong("only"), help: "Test only these logs (repeatable).")
    var only: [String] = []

    @Option(help: "Required share of annotated lines that pass, in percent.")
    var minimum = 98.0

    @Option(name: .customLong("minimum-time"), help: "Required share of failure times that agree, in percent.")
    var minimumTime = 95.0

    @Option(name: .customLong("exact"), help: "Logs that must pass 100% (repeatable).")
    var exact: [String] = []

    @Flag(help: "Print each disagreement.") var verbose = false

    func run() throws {
        let logs = corpus + "/logs"
        guard FileManager.default.fileExists(atPath: logs) else {
            print("conformance: skipped, corpus not found at \(corpus)")
            return
        }
        setenv("TZ", CorpusRunner.timeZone, 1)
        tzset()
        let tree = ConfigTree(directory: filters ?? corpus)
        let names = only.isEmpty ? ((try? FileManager.default.contentsOfDirectory(atPath: logs)) ?? []).sorted() : only
        let runner = CorpusRunner(logsDirectory: logs, filters: tree)
        var results: [FileResult] = []
        for name in names {
            var isDirectory: ObjCBool = false
            _ = FileManager.default.fileExists(atPath: logs + "/" + name, isDirectory: &isDirectory)
            if isDirectory.boolValue { continue }
            let filterName: String? = tree.exists("filter.d/" + name) ? name
                : (name.hasSuffix("-journal") && tree.exists("filter.d/" + name.dropLast(8)) ? String(name.dropLast(8)) : nil)
            guard let filterName else {
                if filters == nil { results.append(FileResult(log: name, filter: "-", note: "no filter of that name")) }
                continue
            }
            results.append(runner.run(log: name, filter: filterName))
        }
        var checked = 0, passed = 0, timeChecked = 0, timeAgreed = 0
        var failedExact: [String] = []
        print("log".padding(toLength: 32, withPad: " ", startingAt: 0) + "filter".padding(toLength: 22, withPad: " ", startingAt: 0) + "  lines  pass      %   time   agree  stray")
        for result in results {
            let label = result.log.padding(toLength: 32, withPad: " ", startingAt: 0) + result.filter.padding(toLength: 22, withPad: " ", startingAt: 0)
            if result.skipped {
                print(label + "  skipped: \(result.note ?? "")")
                continue
            }
            checked += result.checked; passed += result.passed
            timeChecked += result.timeChecked; timeAgreed += result.timeAgreed
            let share = result.checked == 0 ? 100 : Double(result.passed) * 100 / Double(result.checked)
            print(label + pad(result.checked, 7) + pad(result.passed, 6) + pad(String(format: "%.1f", share), 7)
                  + pad(result.timeChecked, 7) + pad(result.timeAgreed, 8) + pad(result.strayFailures, 7))
            if exact.contains(result.log), result.passed != result.checked || result.strayFailures > 0 { failedExact.append(result.log) }
            if verbose { for problem in result.problems { print("    " + problem) } }
        }
        let share = checked == 0 ? 100 : Double(passed) * 100 / Double(checked)
        let timeShare = timeChecked == 0 ? 100 : Double(timeAgreed) * 100 / Double(timeChecked)
        print("TOTAL: \(passed)/\(checked) annotated lines pass (\(String(format: "%.2f", share))%, required \(minimum)%); time agrees on \(timeAgreed)/\(timeChecked) (\(String(format: "%.2f", timeShare))%, required \(minimumTime)%)")
        var failed = false
        if share < minimum { print("FAIL: pass rate below \(minimum)%"); failed = true }
        if timeShare < minimumTime { print("FAIL: time agreement below \(minimumTime)%"); failed = true }
        if !failedExact.isEmpty { print("FAIL: must pass 100%: \(failedExact.joined(separator: ", "))"); failed = true }
        if failed { throw ExitCode.failure }
    }

    private func pad(_ value: CustomStringConvertible, _ width: Int) -> String {
        let text = value.description
        return String(repeating: " ", count: max(0, width - text.count)) + text
    }
}
