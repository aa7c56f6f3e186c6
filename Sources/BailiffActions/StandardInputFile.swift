import Glibc

/// Standard input for a command, held in an anonymous file rather than a pipe: the
/// child reads it at its own pace, and this process never writes into a pipe the child
/// may have closed (which would raise SIGPIPE here, and kill a daemon by default).
enum StandardInputFile {
    struct Failure: Error {
        let message: String
    }

    private typealias MemfdCreate = @convention(c) (UnsafePointer<CChar>, UInt32) -> Int32
    private static let closeOnExec: UInt32 = 1  // MFD_CLOEXEC

    /// A descriptor reading `bytes` from the start; the caller closes it.
    static func open(containing bytes: [UInt8]) throws(Failure) -> Int32 {
        let descriptor = try createAnonymousFile()
        var written = 0
        while written < bytes.count {
            let count = bytes.withUnsafeBytes { raw in write(descriptor, raw.baseAddress! + written, raw.count - written) }
            if count < 0 {
                if errno == EINTR { continue }
                let message = String(cString: strerror(errno))
                close(descriptor)
                throw Failure(message: "cannot buffer standard input: \(message)")
            }
            written += count
        }
        guard lseek(descriptor, 0, SEEK_SET) == 0 else {
            let message = String(cString: strerror(errno))
            close(descriptor)
            throw Failure(message: "cannot buffer standard input: \(message)")
        }
        return descriptor
    }

    private static func createAnonymousFile() throws(Failure) -> Int32 {
        // memfd_create is in glibc since 2.27 but not in Swift's Glibc module.
        if let symbol = dlsym(nil, "memfd_create") {
            let create = unsafeBitCast(symbol, to: MemfdCreate.self)
            let descriptor = create("bailiff-stdin", closeOnExec)
            if descriptor >= 0 { return descriptor }
        }
        var template = Array("/tmp/bailiff-stdin-XXXXXX".utf8CString)
        let descriptor = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard descriptor >= 0 else {
            throw Failure(message: "cannot create a file for standard input: \(String(cString: strerror(errno)))")
        }
        template.withUnsafeBufferPointer { _ = unlink($0.baseAddress!) }
        _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC)
        return descriptor
    }
}
