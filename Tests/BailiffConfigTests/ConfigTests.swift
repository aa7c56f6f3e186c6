import Foundation
import Testing
@testable import BailiffConfig

/// A configuration tree in a temporary folder.
struct TemporaryTree {
    let directory: String

    init(_ files: [String: String]) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("bailiff-config-\(UUID().uuidString)").path
        for (path, text) in files {
            let full = directory + "/" + path
            try FileManager.default.createDirectory(atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try text.write(toFile: full, atomically: true, encoding: .utf8)
        }
    }

    var tree: ConfigTree { ConfigTree(directory: directory) }

    func remove() { try? FileManager.default.removeItem(atPath: directory) }
}

@Suite struct IniFileTests {
    @Test func sectionsContinuationAndComments() throws {
        let text = """
        # comment
        [DEFAULT]
        a = 1
        [Definition]
        failregex = ^one$
                    ^two$

                    ^three$ ; inline comment
        ; a comment line
        Key: semi;colon kept ; comment dropped
        empty =
        """
        let file = try IniFile(path: "x.conf", text: text)
        #expect(file.defaults["a"]?.text == "1")
        #expect(file.sections["Definition"]?["failregex"]?.text == "^one$\n^two$\n\n^three$")
        #expect(file.sections["Definition"]?["key"]?.text == "semi;colon kept")
        #expect(file.sections["Definition"]?["empty"]?.text == "")
        #expect(file.sections["Definition"]?["failregex"]?.location.line == 5)
    }

    @Test func malformedLinesNameFileAndLine() {
        #expect(throws: ConfigError("expected a [section] header before 'a = 1'", at: SourceLocation(file: "f.conf", line: 1))) {
            try IniFile(path: "f.conf", text: "a = 1\n")
        }
        #expect(throws: ConfigError("expected 'name = value', found 'just words'", at: SourceLocation(file: "f.conf", line: 2))) {
            try IniFile(path: "f.conf", text: "[x]\njust words\n")
        }
        #expect(throws: ConfigError("option 'a' is set twice in section [x]", at: SourceLocation(file: "f.conf", line: 3))) {
            try IniFile(path: "f.conf", text: "[x]\na = 1\nA = 2\n")
        }
    }
}

@Suite struct InterpolationTests {
    @Test func referencesDefaultsSectionsKnownAndName() throws {
        let tree = try TemporaryTree([
            "jail.conf": """
            [DEFAULT]
            port = ssh
            action_ = ban[port="%(port)s", name=%(__name__)s]
            [other]
            value = from-other
            [sshd]
            enabled = true
            port = 2222
            action = %(action_)s
            ref = %(other/value)s and 100%%
            """,
            "jail.local": """
            [sshd]
            port = %(known/port)s,2200
            """,
        ])
        defer { tree.remove() }
        let store = try #require(try tree.tree.load("jail"))
        #expect(try store.get("sshd", "port") == "2222,2200")
        #expect(try store.get("sshd", "action") == "ban[port=\"2222,2200\", name=sshd]")
        #expect(try store.get("sshd", "ref") == "from-other and 100%")
    }

    @Test func missingReferenceIsAnError() throws {
        let tree = try TemporaryTree(["jail.conf": "[a]\nx = %(nothere)s\n"])
        defer { tree.remove() }
        let store = try #require(try tree.tree.load("jail"))
        #expect(throws: ConfigError.self) { try store.get("a", "x") }
    }

    @Test func referenceLoopIsAnError() throws {
        let tree = try TemporaryTree(["jail.conf": "[a]\nx = %(y)s\ny = %(x)s\n"])
        defer { tree.remove() }
        let store = try #require(try tree.tree.load("jail"))
        #expect(throws: ConfigError.self) { try store.get("a", "x") }
    }
}

@Suite struct IncludeAndOverlayTests {
    @Test func includesAndLocalOverlaysInOrder() throws {
        let tree = try TemporaryTree([
            "filter.d/common.conf": "[DEFAULT]\nprefix = base\n[INCLUDES]\nafter = common.local\n",
            "filter.d/common.local": "[DEFAULT]\nprefix = tuned\n",
            "filter.d/demo.conf": "[INCLUDES]\nbefore = common.conf\n[Definition]\nfailregex = ^%(prefix)s <HOST>$\n",
            "filter.d/demo.local": "[Definition]\nfailregex = %(known/failregex)s\n            ^extra <HOST>$\n",
        ])
        defer { tree.remove() }
        let filter = try FilterLoader(tree: tree.tree).load(NamedReference(name: "demo"))
        #expect(filter.failregex.map(\.text) == ["^tuned <HOST>$", "^extra <HOST>$"])
        #expect(filter.files.map { ($0 as NSString).lastPathComponent } == ["common.conf", "common.local", "demo.conf", "demo.local"])
    }

    @Test func jailDirectoriesInFail2banOrder() throws {
        let tree = try TemporaryTree([
            "jail.conf": "[j]\nenabled = false\nfilter = f\nmaxretry = 1\n",
            "jail.d/10-a.conf": "[j]\nmaxretry = 2\n",
            "jail.local": "[j]\nmaxretry = 3\nenabled = true\n",
            "jail.d/20-b.local": "[j]\nmaxretry = 4\n",
            "filter.d/f.conf": "[Definition]\nfailregex = ^x <HOST>$\n",
        ])
        defer { tree.remove() }
        let outcome = JailLoader(tree: tree.tree).load()
        #expect(outcome.errors.isEmpty)
        #expect(outcome.jails.map(\.maxretry) == [4])
    }

    @Test func brokenLocalIsReportedNotDropped() throws {
        let tree = try TemporaryTree([
            "jail.conf": "[j]\nenabled = true\nfilter = f\n",
            "jail.local": "[j]\nthis line is broken\n",
            "filter.d/f.conf": "[Definition]\nfailregex = ^x <HOST>$\n",
        ])
        defer { tree.remove() }
        let outcome = JailLoader(tree: tree.tree).load()
        #expect(outcome.jails.isEmpty)
        let error = try #require(outcome.errors.first)
        #expect(error.location?.file.hasSuffix("jail.local") == true)
        #expect(error.location?.line == 2)
    }

    @Test func anUnreadableFileIsAnErrorThatNamesItAndWhy() throws {
        let tree = try TemporaryTree([
            "jail.conf": "[j]\nenabled = true\nfilter = f\n",
            "filter.d/f.conf": "[Definition]\nfailregex = ^x <HOST>$\n",
        ])
        defer { tree.remove() }
        // A folder where a file is expected: it exists, yet reading it fails.
        try FileManager.default.createDirectory(atPath: tree.directory + "/jail.local", withIntermediateDirectories: false)
        let outcome = JailLoader(tree: tree.tree).load()
        #expect(outcome.jails.isEmpty)
        let error = try #require(outcome.errors.first)
        #expect(error.location?.file == tree.directory + "/jail.local")
        #expect(error.message == "cannot read the file: Is a directory")
    }

    @Test func unitsInAFolderAreListedOnceInOrderWithoutHiddenFiles() throws {
        let tree = try TemporaryTree([
            "filter.d/b.conf": "[Definition]\n",
            "filter.d/a.conf": "[Definition]\n",
            "filter.d/a.local": "[Definition]\n",
            "filter.d/c.local": "[Definition]\n",
            "filter.d/.hidden.conf": "[Definition]\n",
            "filter.d/notes.txt": "",
        ])
        defer { tree.remove() }
        #expect(tree.tree.units(in: "filter.d") == ["a", "b", "c"])
        #expect(tree.tree.units(in: "missing.d") == [])
        #expect(tree.tree.exists("filter.d/c"))
        #expect(!tree.tree.exists("filter.d/notes"))
    }

    @Test func fileBackendJailsAreWarnedAboutWithTheirLogpath() throws {
        let tree = try TemporaryTree([
            "jail.conf": "[DEFAULT]\nbackend = systemd\nfilter = f\n[journal]\nenabled = true\n"
                + "[namespaced]\nenabled = true\nbackend = systemd[namespace=web]\n[off]\nbackend = auto\n",
            "jail.local": "[files]\nenabled = true\nbackend = polling\nlogpath = /var/log/web/error.log\n",
            "filter.d/f.conf": "[Definition]\nfailregex = ^x <HOST>$\n",
        ])
        defer { tree.remove() }
        let outcome = JailLoader(tree: tree.tree).load(includeDisabled: true)
        #expect(outcome.errors.isEmpty)
        #expect(outcome.jails.count == 4)
        // Only the enabled jail on a file backend: not the journal jails, not the disabled one.
        #expect(outcome.warnings.count == 1)
        let warning = try #require(outcome.warnings.first)
        #expect(warning.message.hasPrefix("jail [files]: backend = polling: bailiff reads only the systemd journal"))
        #expect(warning.message.contains("logpath /var/log/web/error.log is not read"))
        #expect(warning.location?.file.hasSuffix("jail.local") == true)
        #expect(warning.location?.line == 3)
    }
}

@Suite struct FilterResolutionTests {
    @Test func modesNestedTagsAndParameters() throws {
        let tree = try TemporaryTree([
            "filter.d/svc.conf": """
            [INCLUDES]
            before = shared.conf
            [Definition]
            _daemon = svc
            mode = normal
            mdre-normal = ^normal <HOST>$
            mdre-aggressive = ^aggressive <HOST>$
                              <mdre-normal>
            failregex = ^<_daemon>: <F-CONTENT>.+</F-CONTENT>$
                        <mdre-<mode>>
            journalmatch = _SYSTEMD_UNIT=svc.service + _COMM="svc d"
            """,
            "filter.d/shared.conf": "[DEFAULT]\nlogtype = file\n[lt_file]\nprefix = F\n[lt_journal]\nprefix = J\n[Definition]\nprefregex = <lt_<logtype>/prefix>\n",
        ])
        defer { tree.remove() }
        let loader = FilterLoader(tree: tree.tree)
        let normal = try loader.load(NamedReference(name: "svc"))
        #expect(normal.failregex.map(\.text) == ["^svc: <F-CONTENT>.+</F-CONTENT>$", "^normal <HOST>$"])
        #expect(normal.journalmatch == [["_SYSTEMD_UNIT=svc.service", "+", "_COMM=svc d"]])
        let aggressive = try loader.load(NamedReference.parse("svc[mode=aggressive]"))
        #expect(aggressive.failregex.map(\.text).suffix(2) == ["^aggressive <HOST>$", "^normal <HOST>$"])
        let journal = try loader.load(NamedReference(name: "svc"), backend: "systemd")
        #expect(journal.logtype == "journal")
        #expect(journal.prefregex?.text == "J")
        #expect(normal.prefregex?.text == "F")
    }

    @Test func missingFilterNamesThePath() throws {
        let tree = try TemporaryTree(["jail.conf": "[j]\nenabled = true\nfilter = nope\n"])
        defer { tree.remove() }
        let outcome = JailLoader(tree: tree.tree).load()
        #expect(outcome.errors.first?.message.contains("filter.d/nope.conf") == true)
    }
}

@Suite struct ActionResolutionTests {
    @Test func initDefaultsParametersAndConditionalSections() throws {
        let tree = try TemporaryTree([
            "action.d/fw.conf": """
            [Definition]
            actionban = fw add <chain> <ip> port <port> table <table>
            [Init]
            chain = INPUT
            port = ssh
            table = t4
            [Init?family=inet6]
            table = t6
            """,
        ])
        defer { tree.remove() }
        let action = try ActionLoader(tree: tree.tree).load(try NamedReference.parse("fw[port=\"http,https\"]"), jailName: "web")
        #expect(action.commands["actionban"] == "fw add INPUT <ip> port http,https table <table>")
        #expect(action.initOptions["table"] == "t4")
        #expect(action.initOptions["table?family=inet6"] == "t6")
        #expect(action.name == "fw")
    }
}

@Suite struct ValueTests {
    @Test func durations() throws {
        #expect(try ValueParsing.duration("600") == 600)
        #expect(try ValueParsing.duration("10m") == 600)
        #expect(try ValueParsing.duration("1h30m") == 5400)
        #expect(try ValueParsing.duration("1h 30m") == 5400)
        #expect(try ValueParsing.duration("1d") == 86400)
        #expect(try ValueParsing.duration("1w") == 604800)
        #expect(try ValueParsing.duration("-1") == -1)
        #expect(throws: ConfigError.self) { try ValueParsing.duration("10 parsecs") }
    }

    @Test func booleans() throws {
        #expect(try ValueParsing.bool("true"))
        #expect(try ValueParsing.bool("Yes"))
        #expect(try !ValueParsing.bool("off"))
        #expect(throws: ConfigError.self) { try ValueParsing.bool("maybe") }
    }

    @Test func namedReferences() throws {
        let reference = try NamedReference.parse(#"iptables[port="ssh,sftp", protocol=tcp][name=x]"#)
        #expect(reference.name == "iptables")
        #expect(reference.parameters == ["port": "ssh,sftp", "protocol": "tcp", "name": "x"])
        let list = try NamedReference.splitList("a[x=\"1 2\"]\n  b\n c [y=3]")
        #expect(list.map(\.name) == ["a", "b", "c"])
        #expect(list[0].parameters["x"] == "1 2")
        #expect(list[2].parameters["y"] == "3")
        #expect(throws: ConfigError.self) { try NamedReference.parse("a[x]") }
    }
}
