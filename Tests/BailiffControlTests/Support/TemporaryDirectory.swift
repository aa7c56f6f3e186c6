import Foundation
import Glibc

func makeTemporaryDirectory() throws -> String {
    var template = Array("/tmp/bailiff-control-XXXXXX".utf8CString)
    guard let created = mkdtemp(&template) else {
        throw CocoaError(.fileWriteUnknown, userInfo: [NSLocalizedDescriptionKey: "mkdtemp failed"])
    }
    return String(cString: created)
}

func removeTree(_ path: String) {
    try? FileManager.default.removeItem(atPath: path)
}

func fileMode(_ path: String) -> mode_t? {
    var status = stat()
    guard lstat(path, &status) == 0 else { return nil }
    return status.st_mode & 0o7777
}

func fileExists(_ path: String) -> Bool {
    var status = stat()
    return lstat(path, &status) == 0
}

/// Lets the process hold at least `count` descriptors.
func raiseDescriptorLimit(to count: rlim_t) {
    var limit = rlimit()
    getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
    guard limit.rlim_cur < count else { return }
    limit.rlim_cur = min(count, limit.rlim_max)
    setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
}
