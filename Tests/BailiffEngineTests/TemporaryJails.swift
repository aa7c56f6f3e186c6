import BailiffConfig
import Foundation

/// Jails loaded from a `jail.conf` written to a temporary folder.
enum TemporaryJails {
    static func load(_ jailConf: String) throws -> JailLoader.Outcome {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("bailiff-engine-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try jailConf.write(toFile: directory + "/jail.conf", atomically: true, encoding: .utf8)
        return JailLoader(tree: ConfigTree(directory: directory)).load()
    }
}
