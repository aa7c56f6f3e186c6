import BailiffActions
import Foundation
import Testing

/// Text from logs reaches commands only through environment variables, so whatever it
/// holds, the shell never runs it, and it arrives byte for byte wherever the template
/// prints it: unquoted, in double quotes, in single quotes, inside `$( )`.
@Suite struct InjectionTests {
    static func hostileValues(_ marker: String) -> [String] {
        [
            "x'; touch \(marker); '",
            "$(touch \(marker))",
            "`touch \(marker)`",
            "a;touch \(marker)",
            "a && touch \(marker) || touch \(marker)",
            "line one\ntouch \(marker)\n",
            "\"; touch \(marker); \"",
            "\\\"; touch \(marker); \\\"",
            "'\"'\"'; touch \(marker); '\"'\"'",
            "${IFS}touch${IFS}\(marker)",
            "* ? [a] {b,c} ~ | & > < # ! %s %n \\n \\c",
            "-n",
            "<ip> <F-USER> <br>",
            "",
        ]
    }

    static func action(_ directory: String) -> String {
        """
        [Definition]
        actionban = printf '%%s' <F-USER> > \(directory)/unquoted
                    printf '%%s' "<F-USER>" > \(directory)/double
                    printf '%%s' '<F-USER>' > \(directory)/single
                    printf '%%s' "user=<F-USER>;ip=<ip>" > \(directory)/mixed
                    printf '%%s' "$(printf '%%s' <F-USER>)" > \(directory)/substituted
                    printf '%%s' `printf '%%s' "<F-USER>" | od -An -c | tr -d ' \\n'` > \(directory)/backquoted
                    printf '%%s' "<matches>" > \(directory)/matches
                    printf '%%s' '<fid>' > \(directory)/fid
                    printf '%%s' <ip-host> > \(directory)/host
        """
    }

    @Test func hostileLogTextRunsNothingAndArrivesVerbatim() async throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let marker = scratch.path + "/PWN"
        try await ActionFixture.with(files: ["action.d/echo.conf": InjectionTests.action(scratch.path)]) { fixture in
            let runner = ActionRunner(template: try fixture.template("echo"))
            for value in InjectionTests.hostileValues(marker) {
                let ticket = try BanTicket(
                    parsing: "192.0.2.7", failureID: value, matches: [value, "second " + value],
                    captures: ["user": value], text: ["ip-host": value])
                try await runner.ban(ticket)
                #expect(!scratch.exists("PWN"), "a command ran for \(value.debugDescription)")
                #expect(scratch.contents("unquoted") == value)
                #expect(scratch.contents("double") == value)
                #expect(scratch.contents("single") == value)
                #expect(scratch.contents("mixed") == "user=\(value);ip=192.0.2.7")
                // Command substitution drops trailing newlines, as it does for any output.
                #expect(scratch.contents("substituted") == String(value.reversed().drop { $0 == "\n" }.reversed()))
                #expect(scratch.contents("matches") == value + "\nsecond " + value)
                #expect(scratch.contents("fid") == value)
                #expect(scratch.contents("host") == value)
                let backquoted = try #require(scratch.contents("backquoted"))
                #expect(!backquoted.contains("BAILIFF"), "the backquoted reference was not expanded: \(backquoted)")
            }
        }
    }

    @Test func valuesAreNotSubstitutedAgain() async throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let action = "[Definition]\nactionban = printf '%%s' \"<F-USER>\" > \(scratch.path)/out\n"
        try await ActionFixture.with(files: ["action.d/echo.conf": action]) { fixture in
            let runner = ActionRunner(template: try fixture.template("echo"))
            try await runner.ban(try BanTicket(parsing: "192.0.2.7", captures: ["user": "<ip> <name> %(name)s"]))
            #expect(scratch.contents("out") == "<ip> <name> %(name)s")
        }
    }
}
