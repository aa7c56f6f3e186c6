import Foundation
import Glibc

func makeTemporaryDirectory() throws -> String {
    var template = Array("/tmp/bailiff-control-XXXXXX".utf8CString)
    guard let created = mkdtemp(&template) else {
        throw CocoaError(.fileWriteUnknown, userInfo: [NSLocalizedDescriptionKey: "mkdtemp failed"])
    }
    return String(cString: created)
}

func fileMode(_ path: String) -> mode_t? {
    var status = stat()
    guard lstat(path, &status) == 0 else { return nil }
    return status.st_mode & 0o7777
}
