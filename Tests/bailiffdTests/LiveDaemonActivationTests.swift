import BailiffControl
import BailiffTestSupport
import Foundation
import Glibc
import Testing

/// bailiffd started by socket activation, as bailiff.socket does: systemd-socket-activate
/// listens, and at the first connection execs the daemon with the socket in LISTEN_FDS.
@Suite(.serialized, .enabled(if: getuid() == 0, "needs root for mount and network namespaces"))
struct LiveDaemonActivationTests {
    static func command(of pid: pid_t) -> String {
        ((try? readFile("/proc/\(pid)/comm")) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test func theFirstClientStartsTheDaemonOnThePassedSocket() throws {
        let lab = try LiveDaemonLab(jailLocal: LiveDaemonClientTests.jailLocal())
        let listening = lab.directory + "/activated.sock"
        // Where the daemon would bind its own socket: it must not, having been given one.
        let ownSocket = lab.directory + "/own.sock"
        try lab.startSocketActivated(listenPath: listening, extraArguments: ["--socket", ownSocket])
        let pid = try #require(lab.daemonPID)
        #expect(Self.command(of: pid).hasPrefix("systemd-socket"), "nothing but the activator runs before a client comes")
        #expect(!lab.log.contains("control socket"))

        let status = try lab.bailiff(["status", "--json", "--timeout", "20"], socket: listening)
        #expect(status.status == 0, "\(status); log: \(lab.log)")
        let reply = try JSONDecoder().decode(BailiffInterface.GetStatus.Reply.self, from: Data(status.standardOutput.utf8))
        #expect(reply.status.jails.map(\.name) == ["sshd"])
        // The activator became the daemon (same process, so LISTEN_PID matched).
        #expect(Self.command(of: pid) == "bailiffd")
        #expect(lab.log.contains("control socket passed by the service manager"), "log: \(lab.log)")
        #expect(!lab.log.contains("control socket at"), "log: \(lab.log)")
        #expect(!fileExists(ownSocket))

        // Through the passed socket the daemon is whole: it reads the journal and bans.
        try lab.waitUntilReady()
        let attacker = "198.51.100.30"
        try lab.fail([attacker, attacker, attacker])
        #expect(try eventually(seconds: 20) { try lab.bans(socket: listening)[attacker] != nil }, "log: \(lab.log)")
        #expect(eventually(seconds: 10) { lab.nftablesBans() == [attacker] })
        let banned = try lab.bailiff(["banned"], socket: listening)
        #expect(banned.status == 0 && banned.standardOutput.contains(attacker), "\(banned)")
        let ping = try lab.bailiff(["ping"], socket: listening)
        #expect(ping.status == 0, "\(ping)")
        #expect(lab.stopDaemon() == 0, "log: \(lab.log)")
    }
}
