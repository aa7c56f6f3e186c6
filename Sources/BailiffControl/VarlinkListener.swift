import Glibc

/// A listening socket the server accepts connections on: handed over by the service manager,
/// or bound to a path by the server itself (and then removed again when the server closes).
struct VarlinkListener {
    let descriptor: Int32
    /// The path and file identity of a socket the server bound, so that closing removes it
    /// only while it is still ours.
    private let boundPath: (path: String, device: dev_t, inode: ino_t)?

    /// Takes over a listening stream socket, such as one from socket activation.
    init(adopting descriptor: Int32) throws(VarlinkServerError) {
        var accepting: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        guard getsockopt(descriptor, SOL_SOCKET, SO_ACCEPTCONN, &accepting, &length) == 0, accepting != 0 else {
            throw .notAListeningSocket(descriptor: descriptor)
        }
        // The event loop must never block in accept.
        let flags = fcntl(descriptor, F_GETFL)
        guard flags >= 0, fcntl(descriptor, F_SETFL, flags | O_NONBLOCK) == 0 else {
            throw .failed(action: "making descriptor \(descriptor) non-blocking", errno: errno)
        }
        self.descriptor = descriptor
        self.boundPath = nil
    }

    /// Binds and listens on `path`: creates missing parent directories, replaces a stale
    /// socket nobody listens on, and gives the socket `mode`.
    init(binding path: String, mode: mode_t) throws(VarlinkServerError) {
        guard let address = UnixSocketAddress(path: path) else {
            throw .pathTooLong(path: path, limit: UnixSocketAddress.maxPathBytes)
        }
        try Self.createParentDirectories(of: path)
        try Self.removeStaleSocket(at: path, address: address)
        let descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { throw .failed(action: "creating a socket for \(path)", errno: errno) }
        var file = stat()
        func fail(_ action: String, bound: Bool = true) -> VarlinkServerError {
            let code = errno
            Glibc.close(descriptor)
            if bound { unlink(path) }
            return .failed(action: action, errno: code)
        }
        guard address.withSocketAddress({ bind(descriptor, $0, $1) }) == 0 else { throw fail("binding \(path)", bound: false) }
        // No client can connect between bind and chmod: connecting needs listen().
        guard chmod(path, mode) == 0 else { throw fail("setting the mode of \(path)") }
        guard listen(descriptor, SOMAXCONN) == 0 else { throw fail("listening on \(path)") }
        guard lstat(path, &file) == 0 else { throw fail("checking \(path)") }
        self.descriptor = descriptor
        self.boundPath = (path, file.st_dev, file.st_ino)
    }

    /// Closes the socket and removes the path it was bound to, unless another socket has
    /// replaced it meanwhile.
    func close() {
        if let boundPath {
            var file = stat()
            if lstat(boundPath.path, &file) == 0, file.st_dev == boundPath.device, file.st_ino == boundPath.inode {
                unlink(boundPath.path)
            }
        }
        Glibc.close(descriptor)
    }

    private static func createParentDirectories(of path: String) throws(VarlinkServerError) {
        var prefix = ""
        let components = path.split(separator: "/", omittingEmptySubsequences: false).dropLast()
        for (index, component) in components.enumerated() {
            prefix += (index == 0 ? "" : "/") + component
            if prefix.isEmpty || component.isEmpty { continue }
            if mkdir(prefix, 0o755) != 0, errno != EEXIST {
                throw .failed(action: "creating directory \(prefix)", errno: errno)
            }
        }
    }

    /// A socket file outlives a daemon that crashed; it is stale when connecting to it is
    /// refused. Anything that answers, or is not a socket, is left in place.
    private static func removeStaleSocket(at path: String, address: UnixSocketAddress) throws(VarlinkServerError) {
        var file = stat()
        guard lstat(path, &file) == 0 else {
            if errno == ENOENT { return }
            throw .failed(action: "checking \(path)", errno: errno)
        }
        guard file.st_mode & S_IFMT == S_IFSOCK else { throw .notASocket(path: path) }
        let probe = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard probe >= 0 else { throw .failed(action: "creating a socket to probe \(path)", errno: errno) }
        let result = address.withSocketAddress { connect(probe, $0, $1) }
        let code = errno
        Glibc.close(probe)
        if result == 0 || code == EAGAIN { throw .alreadyInUse(path: path) }
        guard code == ECONNREFUSED else { throw .failed(action: "probing \(path)", errno: code) }
        if unlink(path) != 0, errno != ENOENT { throw .failed(action: "removing stale socket \(path)", errno: errno) }
    }
}
