import Glibc

/// A failed helper command, with what it printed.
public struct CommandFailure: Error, CustomStringConvertible {
    public let command: [String]
    public let status: Int32
    public let output: String

    public init(command: [String], status: Int32, output: String) {
        self.command = command
        self.status = status
        self.output = output
    }

    public var description: String { "\(command.joined(separator: " ")) exited with \(status): \(output)" }
}

/// Runs commands with posix_spawn: test helpers need no more than that.
public enum Subprocess {
    /// Runs `arguments` (the first is looked up in PATH) with stdin from `inputFile`
    /// (or /dev/null), waits for it, and returns its stdout; throws on a non-zero exit.
    @discardableResult
    public static func run(_ arguments: [String], inputFile: String? = nil) throws -> String {
        let outputPath = try temporaryFile()
        defer { unlink(outputPath) }
        let pid = try spawn(arguments, stdin: inputFile ?? "/dev/null", stdout: outputPath, stderr: outputPath)
        let status = wait(pid)
        let output = (try? readFile(outputPath)) ?? ""
        guard status == 0 else { throw CommandFailure(command: arguments, status: status, output: output) }
        return output
    }

    /// What a command printed, apart, and how it ended.
    public struct Outcome: Sendable, CustomStringConvertible {
        public let status: Int32
        public let standardOutput: String
        public let standardError: String
        public var description: String { "exit \(status), stdout: \(standardOutput), stderr: \(standardError)" }
    }

    /// Runs `arguments` like `run`, keeping stdout and stderr apart; never throws on the exit status.
    public static func capture(_ arguments: [String]) throws -> Outcome {
        let outputPath = try temporaryFile()
        let errorPath = try temporaryFile()
        defer {
            unlink(outputPath)
            unlink(errorPath)
        }
        let status = wait(try spawn(arguments, stdout: outputPath, stderr: errorPath))
        return Outcome(status: status, standardOutput: (try? readFile(outputPath)) ?? "", standardError: (try? readFile(errorPath)) ?? "")
    }

    /// Starts `arguments` in the background, output discarded; the caller reaps it with `wait`.
    /// `stdinDescriptor`, when given, becomes its standard input instead of the file `stdin`.
    public static func spawn(
        _ arguments: [String], stdin: String = "/dev/null", stdinDescriptor: Int32? = nil,
        stdout: String = "/dev/null", stderr: String = "/dev/null"
    ) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        if let stdinDescriptor {
            posix_spawn_file_actions_adddup2(&actions, stdinDescriptor, 0)
        } else {
            posix_spawn_file_actions_addopen(&actions, 0, stdin, O_RDONLY, 0)
        }
        posix_spawn_file_actions_addopen(&actions, 1, stdout, O_WRONLY | O_APPEND, 0)
        posix_spawn_file_actions_addopen(&actions, 2, stderr, O_WRONLY | O_APPEND, 0)
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) }
        defer { for pointer in argv { free(pointer) } }
        argv.append(nil)
        // Children start with no blocked signals and SIGPIPE at its default, whatever the test
        // runner's threads have set: daemons under test must get the signals sent to them.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t()
        sigemptyset(&empty)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        sigaddset(&defaults, SIGPIPE)
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var pid: pid_t = 0
        let result = posix_spawnp(&pid, arguments[0], &actions, &attributes, &argv, environ)
        guard result == 0 else {
            throw CommandFailure(command: arguments, status: -1, output: String(cString: strerror(result)))
        }
        return pid
    }

    /// Waits for `pid` and returns its exit status (128 + signal when killed).
    public static func wait(_ pid: pid_t) -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            if errno != EINTR { return -1 }
        }
        return exitStatus(status)
    }

    /// The exit status of `pid` if it has ended (reaping it), else nil.
    public static func exitStatus(ifExited pid: pid_t) -> Int32? {
        var status: Int32 = 0
        guard waitpid(pid, &status, WNOHANG) == pid else { return nil }
        return exitStatus(status)
    }

    private static func exitStatus(_ status: Int32) -> Int32 {
        if status & 0x7f == 0 { return (status >> 8) & 0xff }
        return 128 + (status & 0x7f)
    }

    public static func temporaryFile() throws -> String {
        var template = Array("/tmp/bailiff-journal-test-XXXXXX".utf8CString)
        let descriptor = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard descriptor >= 0 else { throw CommandFailure(command: ["mkstemp"], status: errno, output: "") }
        close(descriptor)
        return String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

// MARK: - Files

public struct FileError: Error, CustomStringConvertible {
    public let path: String
    public let action: String
    public let code: Int32

    public init(path: String, action: String, code: Int32) {
        self.path = path
        self.action = action
        self.code = code
    }

    public var description: String { "\(action) \(path): \(String(cString: strerror(code)))" }
}

public func readFileBytes(_ path: String) throws -> [UInt8] {
    let descriptor = open(path, O_RDONLY | O_CLOEXEC)
    guard descriptor >= 0 else { throw FileError(path: path, action: "opening", code: errno) }
    defer { close(descriptor) }
    var result: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 65536)
    while true {
        let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress!, $0.count) }
        if count < 0 { if errno == EINTR { continue }; throw FileError(path: path, action: "reading", code: errno) }
        if count == 0 { break }
        result.append(contentsOf: chunk[0..<count])
    }
    return result
}

public func readFile(_ path: String) throws -> String {
    String(decoding: try readFileBytes(path), as: UTF8.self)
}

public func writeFile(_ path: String, _ bytes: [UInt8], mode: mode_t = 0o644) throws {
    let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
    guard descriptor >= 0 else { throw FileError(path: path, action: "creating", code: errno) }
    defer { close(descriptor) }
    var written = 0
    while written < bytes.count {
        let count = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress! + written, $0.count - written) }
        if count < 0 { if errno == EINTR { continue }; throw FileError(path: path, action: "writing", code: errno) }
        written += count
    }
}

public func writeFile(_ path: String, _ text: String, mode: mode_t = 0o644) throws {
    try writeFile(path, Array(text.utf8), mode: mode)
}

public func fileExists(_ path: String) -> Bool {
    var status = stat()
    return lstat(path, &status) == 0
}

/// A fresh directory under /tmp, removed (with everything in it) after `body`.
public func withTemporaryDirectory<Result>(_ body: (String) throws -> Result) throws -> Result {
    let path = try createTemporaryDirectory()
    defer { removeTree(path) }
    return try body(path)
}

/// A fresh directory under /tmp, kept short so socket paths in it fit a unix socket address;
/// the caller removes it with `removeTree`.
public func createTemporaryDirectory(prefix: String = "bailiff-journal-test") throws -> String {
    var template = Array("/tmp/\(prefix)-XXXXXX".utf8CString)
    guard template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) != nil else {
        throw FileError(path: "/tmp", action: "creating a temporary directory in", code: errno)
    }
    return String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

/// `rm -rf path`, without following symbolic links.
public func removeTree(_ path: String) {
    var status = stat()
    guard lstat(path, &status) == 0 else { return }
    if status.st_mode & S_IFMT == S_IFDIR {
        chmod(path, 0o700)
        if let directory = opendir(path) {
            var names: [String] = []
            while let item = readdir(directory) {
                let name = withUnsafeBytes(of: item.pointee.d_name) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) }
                if name != "." && name != ".." { names.append(name) }
            }
            closedir(directory)
            for name in names { removeTree(path + "/" + name) }
        }
        rmdir(path)
    } else {
        unlink(path)
    }
}

/// The entries of a directory, sorted.
public func directoryEntries(_ path: String) -> [String] {
    guard let directory = opendir(path) else { return [] }
    defer { closedir(directory) }
    var names: [String] = []
    while let item = readdir(directory) {
        let name = withUnsafeBytes(of: item.pointee.d_name) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) }
        if name != "." && name != ".." { names.append(name) }
    }
    return names.sorted()
}

/// The target of a symbolic link, or nil when it cannot be read.
public func readLink(_ path: String) -> String? {
    var buffer = [CChar](repeating: 0, count: 4096)
    let length = readlink(path, &buffer, buffer.count - 1)
    guard length >= 0 else { return nil }
    return String(decoding: buffer[..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
}
