import ArgumentParser
import Glibc
import BailiffConfig
import BailiffFilter
import OrderedCollections
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

struct ConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Validate or show a configuration tree.",
        subcommands: [Check.self, Dump.self]
    )

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Validate every jail, filter and action; exit non-zero on any error."
        )
        @OptionGroup var options: ConfigOptions

        func run() throws {
            let tree = ConfigTree(directory: options.config)
            var report = ConfigValidator(tree: tree).validate()
            // Jails that failed to load were reported already; the others' ban settings now.
            let banSettings = BanSettingsCheck.problems(in: tree)
            report.errors += banSettings.errors
            report.warnings += banSettings.warnings
            for warning in report.warnings { printError("warning: \(warning)") }
            for error in report.errors { printError("error: \(error)") }
            print("\(options.config): \(report.jails) jails (\(report.enabledJails) enabled), \(report.filters) filters, \(report.actions) actions checked; \(report.errors.count) errors, \(report.warnings.count) warnings")
            if !report.errors.isEmpty { throw ExitCode.failure }
        }
    }

    struct Dump: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print every enabled jail fully resolved (filter regexes, actions and their commands)."
        )
        @OptionGroup var options: ConfigOptions
        @Flag(help: "Print JSON.") var json = false

        func run() throws {
            let outcome = JailLoader(tree: ConfigTree(directory: options.config)).load()
            for error in outcome.errors { printError("error: \(error)") }
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
                let data = try encoder.encode(outcome.jails.map(JailDump.init))
                print(String(decoding: data, as: UTF8.self))
            } else {
                for jail in outcome.jails { print(JailDump(jail).text) }
            }
            if !outcome.errors.isEmpty { throw ExitCode.failure }
        }
    }
}

func printError(_ text: String) {
    var standardError = StandardError()
    print(text, to: &standardError)
}

struct StandardError: TextOutputStream {
    mutating func write(_ string: String) {
        var copy = string
        copy.withUTF8 { bytes in _ = Glibc.write(STDERR_FILENO, bytes.baseAddress, bytes.count) }
    }
}
