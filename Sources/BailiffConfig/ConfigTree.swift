/// A configuration directory in fail2ban's layout (`jail.conf`, `jail.d/`, `filter.d/`,
/// `action.d/`). Reads a unit (`jail`, `filter.d/sshd`) with its overlays and
/// `[INCLUDES]`, in fail2ban's order: `NAME.conf`, `NAME.d/*.conf`, `NAME.local`,
/// `NAME.d/*.local`, each preceded by its `before =` files and followed by its `after =`
/// files, and each `.conf` followed by the `.local` beside it.
public struct ConfigTree: Sendable {
    public let directory: String

    public init(directory: String) {
        var trimmed = directory
        while trimmed.count > 1, trimmed.hasSuffix("/") { trimmed.removeLast() }
        self.directory = trimmed
    }

    /// Reads one unit; nil when none of its files exist.
    public func load(_ unit: String) throws(ConfigError) -> ConfigStore? {
        let base = unit.hasPrefix("/") ? unit : directory + "/" + unit
        var candidates = [base + ".conf"]
        candidates += ConfigTree.list(directory: base + ".d", suffix: ".conf")
        candidates.append(base + ".local")
        candidates += ConfigTree.list(directory: base + ".d", suffix: ".local")
        let existing = candidates.filter { ConfigFiles.exists($0) }
        guard !existing.isEmpty else { return nil }
        var order: [String] = []
        for path in ConfigTree.withLocals(existing) {
            try collectIncludes(path, seen: [], into: &order)
        }
        var store = ConfigStore()
        for path in order {
            store.merge(try ConfigTree.parse(path))
        }
        return store
    }

    /// Whether a unit has any file.
    public func exists(_ unit: String) -> Bool {
        let base = unit.hasPrefix("/") ? unit : directory + "/" + unit
        return ConfigFiles.exists(base + ".conf") || ConfigFiles.exists(base + ".local")
    }

    /// Names of the units in a folder, such as every filter in `filter.d`.
    public func units(in folder: String) -> [String] {
        let names = ConfigTree.list(directory: directory + "/" + folder, suffix: ".conf")
            + ConfigTree.list(directory: directory + "/" + folder, suffix: ".local")
        var seen = Set<String>()
        var result: [String] = []
        for path in names {
            let file = path.split(separator: "/").last.map(String.init) ?? path
            let unit = String(file.prefix(upTo: file.lastIndex(of: ".")!))
            if seen.insert(unit).inserted { result.append(unit) }
        }
        return result.sorted()
    }

    private func collectIncludes(_ path: String, seen: [String], into order: inout [String]) throws(ConfigError) {
        guard ConfigFiles.exists(path) else { return }
        let file = try ConfigTree.parse(path)
        var before: [String] = []
        var after: [String] = []
        if let includes = file.sections["INCLUDES"] {
            let folder = path.contains("/") ? String(path[..<path.lastIndex(of: "/")!]) : "."
            var single = ConfigStore()
            single.merge(file)
            for key in ["before", "after"] {
                guard includes[key] != nil, let value = try single.get("INCLUDES", key) else { continue }
                let paths = value.split(separator: "\n").map { $0.trimmingWhitespace() }.filter { !$0.isEmpty }
                    .map { $0.hasPrefix("/") ? $0 : folder + "/" + $0 }
                if key == "before" { before = paths } else { after = paths }
            }
        }
        let chain = seen + [path]
        for include in ConfigTree.withLocals(before) where !chain.contains(include) {
            try collectIncludes(include, seen: chain, into: &order)
        }
        if !order.contains(path) { order.append(path) }
        for include in ConfigTree.withLocals(after) where !chain.contains(include) {
            try collectIncludes(include, seen: chain, into: &order)
        }
    }

    /// Adds each `.conf` file's `.local` sibling right after it.
    static func withLocals(_ paths: [String]) -> [String] {
        var result: [String] = []
        for path in paths {
            result.append(path)
            guard path.hasSuffix(".conf") else { continue }
            let local = String(path.dropLast(5)) + ".local"
            if !paths.contains(local), ConfigFiles.exists(local) { result.append(local) }
        }
        return result
    }

    static func parse(_ path: String) throws(ConfigError) -> IniFile {
        let data: [UInt8]
        switch ConfigFiles.contents(path) {
        case .success(let content): data = content
        case .failure(let failure):
            throw ConfigError("cannot read the file: \(failure.reason)", at: SourceLocation(file: path, line: 0))
        }
        guard let text = String(validating: data, as: UTF8.self) else {
            throw ConfigError("the file is not valid UTF-8", at: SourceLocation(file: path, line: 0))
        }
        return try IniFile(path: path, text: text)
    }

    static func list(directory: String, suffix: String) -> [String] {
        guard let names = ConfigFiles.names(in: directory) else { return [] }
        return names.filter { $0.hasSuffix(suffix) && !$0.hasPrefix(".") }.sorted().map { directory + "/" + $0 }
    }
}
