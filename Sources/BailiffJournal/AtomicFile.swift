import Glibc

/// Why replacing a file failed: the step and the system error.
public struct AtomicFileError: Error, Equatable, Sendable, CustomStringConvertible {
    public let path: String
    public let step: String
    public let errno: Int32
    public var description: String { "cannot replace \(path): \(step): \(String(cString: strerror(errno)))" }
}

/// Replaces small state files so that a crash or power cut leaves either the old content
/// or the new, never a mix: write a temporary file next to it, fsync it, rename it over
/// the file, fsync the directory.
public enum AtomicFile {
    /// Creates missing directories (mode 0700); the file gets `mode`.
    public static func replace(path: String, contents: [UInt8], mode: mode_t = 0o600) throws(AtomicFileError) {
        let (directory, name) = split(path)
        try createDirectories(directory, for: path)
        var template = Array("\(directory)/.\(name).XXXXXX".utf8CString)
        let descriptor = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard descriptor >= 0 else { throw AtomicFileError(path: path, step: "creating a temporary file in \(directory)", errno: errno) }
        _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC)
        let temporary = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
        var renamed = false
        defer { if !renamed { unlink(temporary) } }
        try fill(descriptor, with: contents, path: path, temporary: temporary, mode: mode)
        guard rename(temporary, path) == 0 else { throw AtomicFileError(path: path, step: "renaming \(temporary) over it", errno: errno) }
        renamed = true
        let directoryDescriptor = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard directoryDescriptor >= 0 else { throw AtomicFileError(path: path, step: "opening directory \(directory) to sync it", errno: errno) }
        defer { close(directoryDescriptor) }
        guard fsync(directoryDescriptor) == 0 else { throw AtomicFileError(path: path, step: "syncing directory \(directory)", errno: errno) }
    }

    private static func fill(_ descriptor: Int32, with bytes: [UInt8], path: String, temporary: String, mode: mode_t) throws(AtomicFileError) {
        defer { close(descriptor) }
        guard fchmod(descriptor, mode) == 0 else { throw AtomicFileError(path: path, step: "setting the mode of \(temporary)", errno: errno) }
        var written = 0
        while written < bytes.count {
            let count = bytes.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress! + written, $0.count - written) }
            if count < 0 {
                if errno == EINTR { continue }
                throw AtomicFileError(path: path, step: "writing \(temporary)", errno: errno)
            }
            written += count
        }
        guard fsync(descriptor) == 0 else { throw AtomicFileError(path: path, step: "syncing \(temporary)", errno: errno) }
    }

    /// `mkdir -p` with mode 0700 for the directories it creates.
    static func createDirectories(_ directory: String, for path: String) throws(AtomicFileError) {
        var status = stat()
        if stat(directory, &status) == 0 {
            guard status.st_mode & S_IFMT == S_IFDIR else {
                throw AtomicFileError(path: path, step: "\(directory) is not a directory", errno: ENOTDIR)
            }
            return
        }
        let (parent, _) = split(directory)
        if parent != directory { try createDirectories(parent, for: path) }
        if mkdir(directory, 0o700) != 0, errno != EEXIST {
            throw AtomicFileError(path: path, step: "creating directory \(directory)", errno: errno)
        }
    }

    /// Directory and file name of `path` ("." for a bare name).
    static func split(_ path: String) -> (directory: String, name: String) {
        guard let slash = path.lastIndex(of: "/") else { return (".", path) }
        let directory = String(path[..<slash])
        return (directory.isEmpty ? "/" : directory, String(path[path.index(after: slash)...]))
    }
}
