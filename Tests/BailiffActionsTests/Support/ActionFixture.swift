import BailiffActions
import BailiffConfig
import Foundation

/// Loads actions the way a jail does, from a temporary configuration tree that holds
/// the shipped `action.d` files and any extra files a test writes.
struct ActionFixture {
    let directory: String

    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    static let shippedActions = repository.appendingPathComponent("config/action.d").path

    init(files: [String: String] = [:]) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("bailiff-actions-\(UUID().uuidString)").path
        let actions = directory + "/action.d"
        try FileManager.default.createDirectory(atPath: actions, withIntermediateDirectories: true)
        for name in try FileManager.default.contentsOfDirectory(atPath: ActionFixture.shippedActions) where name.hasSuffix(".conf") {
            try FileManager.default.copyItem(atPath: ActionFixture.shippedActions + "/" + name, toPath: actions + "/" + name)
        }
        for (path, text) in files {
            let full = directory + "/" + path
            try FileManager.default.createDirectory(atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try text.write(toFile: full, atomically: true, encoding: .utf8)
        }
    }

    var tree: ConfigTree { ConfigTree(directory: directory) }

    /// The template of `action` (as written after `action =`) for jail `jail`.
    func template(_ action: String, jail: String = "test", jailOptions: String = "") throws -> ActionTemplate {
        let text = "[\(jail)]\nenabled = true\nfilter =\naction = \(action)\n\(jailOptions)\n"
        try text.write(toFile: directory + "/jail.conf", atomically: true, encoding: .utf8)
        let outcome = JailLoader(tree: tree).load()
        if let error = outcome.errors.first { throw error }
        guard let loaded = outcome.jails.first, let definition = loaded.actions.first else {
            throw ConfigError("jail '\(jail)' has no action")
        }
        var options: [String: String] = [:]
        for (key, value) in loaded.options { options[key] = value }
        return try ActionTemplate(definition, tree: tree, jailOptions: options)
    }

    func remove() { try? FileManager.default.removeItem(atPath: directory) }

    /// Runs `body` with a fixture that is removed afterwards, also when `body` throws.
    static func with<T>(files: [String: String] = [:], _ body: (ActionFixture) async throws -> T) async throws -> T {
        let fixture = try ActionFixture(files: files)
        do {
            let result = try await body(fixture)
            fixture.remove()
            return result
        } catch {
            fixture.remove()
            throw error
        }
    }
}

extension ActionFixture {
    static func withSync<T>(files: [String: String] = [:], _ body: (ActionFixture) throws -> T) throws -> T {
        let fixture = try ActionFixture(files: files)
        defer { fixture.remove() }
        return try body(fixture)
    }
}

/// A scratch directory for files commands write.
struct ScratchDirectory {
    let path: String

    init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("bailiff-scratch-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func contents(_ name: String) -> String? {
        try? String(contentsOfFile: path + "/" + name, encoding: .utf8)
    }

    func exists(_ name: String) -> Bool { FileManager.default.fileExists(atPath: path + "/" + name) }

    func remove() { try? FileManager.default.removeItem(atPath: path) }
}
