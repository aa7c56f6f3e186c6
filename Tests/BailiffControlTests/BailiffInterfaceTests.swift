import BailiffControl
import Foundation
import Testing

/// The io.bailiff definition and the Swift types that mirror it.
@Suite struct BailiffInterfaceTests {
    @Test func declaresExactlyTheMethodsTheTypesName() {
        let names: [String] = [
            BailiffInterface.Ping.name, BailiffInterface.GetStatus.name, BailiffInterface.ListBans.name,
            BailiffInterface.Ban.name, BailiffInterface.Unban.name, BailiffInterface.Reload.name,
        ]
        #expect(Set(names.map { "io.bailiff." + $0.split(separator: ".").last! }) == Set(names))
        #expect(BailiffInterface.interface.methods == Set(names.map { String($0.split(separator: ".").last!) }))
        #expect(BailiffInterface.interface.name == "io.bailiff")
        #expect(VarlinkServiceInterface.interface.methods == ["GetInfo", "GetInterfaceDescription"])
    }

    @Test func declaresItsErrors() {
        let description = BailiffInterface.interface.description
        for error in [BailiffInterface.CallError.noSuchJail(jail: "x"), .invalidAddress(address: "x"), .reloadFailed(reason: "x")] {
            let name = error.varlinkError.name
            #expect(name.hasPrefix("io.bailiff."))
            let member = name.dropFirst("io.bailiff.".count)
            let parameter = error.varlinkError.parameters.keys.first!
            #expect(description.contains("error \(member) (\(parameter): string)"))
            #expect(BailiffInterface.CallError(error.varlinkError) == error)
        }
    }

    @Test func everyFieldOfTheTypesIsDeclared() throws {
        let description = BailiffInterface.interface.description
        let fields: [(type: String, fields: [String])] = [
            ("JournalStatus", ["source", "cursor", "entriesRead", "entriesPerSecond"]),
            ("JailStatus", ["name", "enabled", "filter", "failuresCounted", "currentlyFailing", "activeBans", "totalBans", "findTime", "maxRetry", "banTime", "actions"]),
            ("Status", ["version", "uptime", "journal", "jails"]),
            ("ActiveBan", ["jail", "address", "bannedAt", "expiresAt", "secondsLeft", "banCount", "failures"]),
        ]
        for (type, names) in fields {
            let start = try #require(description.range(of: "type \(type) ("))
            let body = description[start.upperBound...].prefix { $0 != ")" }
            let declared = body.split(separator: "\n").compactMap { line -> String? in
                let code = line.trimmingPrefix(while: \.isWhitespace)
                guard !code.hasPrefix("#"), let colon = code.firstIndex(of: ":") else { return nil }
                return String(code[..<colon])
            }
            #expect(declared == names, "type \(type)")
        }
    }

    @Test func documentationShowsTheInterfaceAsServed() throws {
        let documentation = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("docs/control.md")
        let text = try String(contentsOf: documentation, encoding: .utf8)
        #expect(text.contains(BailiffInterface.interface.description.trimmingCharacters(in: .newlines)))
    }
}
