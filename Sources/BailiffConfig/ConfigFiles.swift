import Glibc

/// The file system calls configuration loading makes, straight to the C library: reading a
/// handful of small files needs nothing more, and it keeps Foundation's file layer (and its
/// pages of code) out of every start. The journal reader reads its `/proc` files this way too.
public enum ConfigFiles {
    /// Whether something exists at `path` (a file, a folder, or a link to one).
    static func exists(_ path: String) -> Bool {
        access(path, F_OK) == 0
    }

    /// The whole content of the file at `path`, or why it cannot be read.
    public static func contents(_ path: String) -> Result<[UInt8], ReadFailure> {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return .failure(ReadFailure(errno: errno)) }
        defer { close(descriptor) }
        var content: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                return .failure(ReadFailure(errno: errno))
            }
            if count == 0 { return .success(content) }
            content.append(contentsOf: chunk[0..<count])
        }
    }

    /// The names in the folder at `path` (without `.` and `..`), or nil when it cannot be listed.
    static func names(in path: String) -> [String]? {
        guard let folder = opendir(path) else { return nil }
        defer { closedir(folder) }
        var names: [String] = []
        while let entry = readdir(folder) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { bytes in
                String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != ".", name != ".." { names.append(name) }
        }
        return names
    }

    /// Why a file could not be read, as the C library says it.
    public struct ReadFailure: Error {
        public let errno: Int32
        public var reason: String { String(cString: strerror(errno)) }
    }
}
