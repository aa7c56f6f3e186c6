import Glibc

func makeTemporaryDirectory() -> String {
    var template = Array("/tmp/bailiff-service-XXXXXX".utf8CString)
    return String(cString: mkdtemp(&template)!)
}

func removeDirectory(_ path: String) {
    if let directory = opendir(path) {
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if name != "." && name != ".." { unlink("\(path)/\(name)") }
        }
        closedir(directory)
    }
    rmdir(path)
}
