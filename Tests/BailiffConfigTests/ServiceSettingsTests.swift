import BailiffConfig
import Testing

@Suite struct ServiceSettingsTests {
    @Test func defaultsWithoutAnyFile() throws {
        let tree = try TemporaryTree([:])
        #expect(try ServiceSettings(tree: tree.tree).historyAge == 86_400)
    }

    @Test func dbpurgeageComesFromFail2banConfAndItsLocal() throws {
        let tree = try TemporaryTree([
            "fail2ban.conf": "[Definition]\ndbpurgeage = 1d\n",
            "fail2ban.local": "[Definition]\ndbpurgeage = 2w\n",
        ])
        defer { tree.remove() }
        #expect(try ServiceSettings(tree: tree.tree).historyAge == 14 * 86_400)
    }

    @Test func aBadValueNamesFileAndLine() throws {
        let tree = try TemporaryTree(["fail2ban.local": "[Definition]\n\ndbpurgeage = soon\n"])
        defer { tree.remove() }
        do {
            _ = try ServiceSettings(tree: tree.tree)
            Issue.record("'soon' is not a duration")
        } catch {
            #expect("\(error)".contains("fail2ban.local:3"), "\(error)")
            #expect(error.message.hasPrefix("dbpurgeage: "))
        }
    }
}
