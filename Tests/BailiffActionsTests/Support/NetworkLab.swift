import BailiffActions
import BailiffNetwork
import Foundation
import Glibc
import Testing

/// Whether firewall tests can run: they need root to create network namespaces.
let firewallTestsEnabled = getuid() == 0 && FileManager.default.isExecutableFile(atPath: "/usr/sbin/ip")
let firewallTestsSkipReason: Comment = "needs root and iproute2: firewall tests run in network namespaces they create"

struct ShellError: Error, CustomStringConvertible {
    let description: String
}

/// Runs a command on the host (namespace management only) or in a namespace; throws when it fails.
@discardableResult
func shell(_ script: String, in namespace: String? = nil, timeout: Duration = .seconds(30)) async throws -> String {
    let runner = CommandRunner(launcher: namespace.map { ["ip", "netns", "exec", $0] } ?? [], timeout: timeout)
    let result = await runner.run(script)
    if let failure = result.failure { throw ShellError(description: "\(failure)") }
    return result.outputText
}

/// Two network namespaces joined by a veth pair: a server running a TCP listener on
/// `port` (IPv4 and IPv6) and an attacker with two addresses of each family, so a
/// network ban can be seen blocking an address that was not named. Every firewall
/// command of a test runs inside the server namespace; the host's firewall is never
/// touched.
struct NetworkLab: Sendable {
    let server: String
    let attacker: String

    static let port = 8022
    static let serverV4 = "10.203.0.1", attackerV4 = "10.203.0.2", neighbourV4 = "10.203.0.3"
    static let serverV6 = "fd42:203::1", attackerV6 = "fd42:203::2", neighbourV6 = "fd42:203::3"

    /// Words that run a command inside the server namespace.
    var launcher: [String] { ["ip", "netns", "exec", server] }

    /// Runs `body` in a fresh lab and deletes both namespaces afterwards, also when `body` throws.
    static func with<T>(_ body: (NetworkLab) async throws -> T) async throws -> T {
        let suffix = String(UInt32.random(in: 0...UInt32.max), radix: 16)
        let lab = NetworkLab(server: "bailiff-t-\(suffix)s", attacker: "bailiff-t-\(suffix)a")
        do {
            try await lab.build()
            let result = try await body(lab)
            await lab.destroy()
            return result
        } catch {
            await lab.destroy()
            throw error
        }
    }

    private func build() async throws {
        try await shell("""
            set -e
            ip netns add \(server)
            ip netns add \(attacker)
            ip link add vs netns \(server) type veth peer name va netns \(attacker)
            ip -n \(server) link set lo up && ip -n \(server) link set vs up
            ip -n \(attacker) link set lo up && ip -n \(attacker) link set va up
            ip -n \(server) addr add \(NetworkLab.serverV4)/24 dev vs
            ip -n \(attacker) addr add \(NetworkLab.attackerV4)/24 dev va
            ip -n \(attacker) addr add \(NetworkLab.neighbourV4)/24 dev va
            ip -n \(server) addr add \(NetworkLab.serverV6)/64 dev vs nodad
            ip -n \(attacker) addr add \(NetworkLab.attackerV6)/64 dev va nodad
            ip -n \(attacker) addr add \(NetworkLab.neighbourV6)/64 dev va nodad
            """)
        // Listeners outlive this shell; deleting the lab kills them.
        try await shell("""
            nc -lk \(NetworkLab.port) </dev/null >/dev/null 2>&1 &
            nc -6 -lk \(NetworkLab.port) </dev/null >/dev/null 2>&1 &
            """, in: server)
        for _ in 0..<100 {
            let listening = try await shell("ss -ltnH", in: server)
            if listening.components(separatedBy: ":\(NetworkLab.port) ").count > 2 { return }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw ShellError(description: "the listeners in \(server) did not start")
    }

    private func destroy() async {
        for namespace in [server, attacker] {
            _ = try? await shell("ip netns pids \(namespace) | xargs -r kill -9")
            _ = try? await shell("ip netns delete \(namespace)")
        }
    }

    /// Whether a TCP connection from `source` (an attacker address) to the server's listener succeeds.
    func canConnect(from source: String) async -> Bool {
        let destination = source.contains(":") ? NetworkLab.serverV6 : NetworkLab.serverV4
        let result = await CommandRunner(launcher: ["ip", "netns", "exec", attacker], timeout: .seconds(10))
            .run("nc -z -w 2 -s \(source) \(destination) \(NetworkLab.port)")
        return result.succeeded
    }

    static func attackerAddress(_ family: AddressFamily) -> String { family == .inet4 ? attackerV4 : attackerV6 }
    static func neighbourAddress(_ family: AddressFamily) -> String { family == .inet4 ? neighbourV4 : neighbourV6 }
    /// The attacker's network: /24 for IPv4, /64 for IPv6.
    static func attackerNetwork(_ family: AddressFamily) -> IPNetwork {
        family == .inet4
            ? IPNetwork(IPAddress(attackerV4)!, prefixLength: 24)
            : IPNetwork(IPAddress(attackerV6)!, prefixLength: 64)
    }

    /// Rules and sets that belong to someone else and must outlive every action's stop.
    func addUnrelatedRules() async throws {
        try await shell("""
            iptables -w -A INPUT -p tcp --dport 9999 -j ACCEPT
            ip6tables -w -A INPUT -p tcp --dport 9999 -j ACCEPT
            ipset create keep-me hash:ip
            nft add table inet keep
            nft add chain inet keep input '{ type filter hook input priority 0; policy accept; }'
            nft add rule inet keep input tcp dport 9998 accept
            """, in: server)
    }

    /// Everything the server's firewall holds, without counters and timestamps.
    func firewallSnapshot() async throws -> String {
        try await shell("""
            iptables-save | grep -v '^#' | sed 's/\\[[0-9]*:[0-9]*\\]//'
            ip6tables-save | grep -v '^#' | sed 's/\\[[0-9]*:[0-9]*\\]//'
            ipset list -n | sort
            nft list ruleset | sed 's/packets [0-9]* bytes [0-9]*//'
            """, in: server)
    }
}
