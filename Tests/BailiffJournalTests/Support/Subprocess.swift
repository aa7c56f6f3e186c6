import Glibc

/// A failed helper command, with what it printed.
struct CommandFailure: Error, CustomStringConvertible {
    let command: [String]
    let status: Int32
    let output: String
    var description: String { "\(command.joined(separator: " ")) exited with \(status): \(output)" }
}

/// Runs commands with posix_spawn: test helpers need no more than that.
enum Subprocess {
    /// Runs `arguments` (the first is looked up in PATH) with stdin from `inputFile`
    /// (or /dev/null), waits for it, and returns its stdout; throws on a non-zero exit.
    @discardableResult
    static func run(_ arguments: [String], inputFile: String? = nil) throws -> String {
        let outputPath = try temporaryFile()
        defer { unlink(outputPath) }
        let pid = try spawn(arguments, stdin: inputFile ?? "/dev/null", stdout: outputPath, stderr: outputPath)
        let status = wait(pid)
        let output = (try? readFile(outputPath)) ?? ""
        guard status == 0 else { throw CommandFailure(command: arguments, status: status, output: output) }
        return output
    }

    /// Starts `arguments` in the background, output discarded; the caller reaps it with `wait`.
    /// `stdinDescriptor`, when given, becomes its standard input instead of the file `stdin`.
    static func spawn(
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
        var pid: pid_t = 0
        let result = posix_spawnp(&pid, arguments[0], &actions, nil, &argv, environ)
        guard result == 0 else {
            throw CommandFailure(command: arguments, status: -1, output: String(cString: strerror(result)))
        }
        return pid
    }

    /// Waits for `pid` and returns its exit status (128 + signal when killed).
    static func wait(_ pid: pid_t) -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            if errno != EINTR { return -1 }
        }
        if status & 0x7f == 0 { return (status >> 8) & 0xff }
        return 128 + (status & 0x7f)
    }

    static func temporaryFile() throws -> String {
        var template = Array("/tmp/bailiff-journal-test-XXXXXX".utf8CString)
        let descriptor = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard descriptor >= 0 else { throw CommandFailure(command: ["mkstemp"], status: errno, output: "") }
        close(descriptor)
        return String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

// MARK: - Files

struct FileError: Error, CustomStringConvertible {
    let path: String
    let action: String
    let code: Int32
    var description: String { "\(action) \(path): \(String(cString: strerror(code)))" }
}

func readFileBytes(_ path: String) throws -> [UInt8] {
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

func readFile(_ path: String) throws -> String {
    String(decoding: try readFileBytes(path), as: UTF8.self)
}

func writeFile(_ path: String, _ bytes: [UInt8], mode: mode_t = 0o644) throws {
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

func writeFile(_ path: String, _ text: String, mode: mode_t = 0o644) throws {
    try writeFile(path, Array(text.utf8), mode: mode)
}

func fileExists(_ path: String) -> Bool {
    var status = stat()
    return lstat(path, &status) == 0
}

/// A fresh directory under /tmp, removed (with everything in it) after `body`.
func withTemporaryDirectory<Result>(_ body: (String) throws -> Result) throws -> Result {
    var template = Array("/tmp/bailiff-journal-test-XXXXXX".utf8CString)
    guard template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) != nil else {
        throw FileError(path: "/tmp", action: "creating a temporary directory in", code: errno)
    }
    let path = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
    defer { removeTree(path) }
    return try body(path)
}

/// `rm -rf path`, without following symbolic links.
func removeTree(_ path: String) {
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
func directoryEntries(_ path: String) -> [String] {
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
func readLink(_ path: String) -> String? {
    var buffer = [CChar](repeating: 0, count: 4096)
    let length = readlink(path, &buffer, buffer.count - 1)
    guard length >= 0 else { return nil }
    return String(decoding: buffer[..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
}
