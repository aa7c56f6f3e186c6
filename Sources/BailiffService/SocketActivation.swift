import Glibc

/// The sockets passed by socket activation (`LISTEN_FDS`, `LISTEN_PID`, `LISTEN_FDNAMES`),
/// read as sd_listen_fds_with_names(3) reads them.
public enum SocketActivation {
    /// The first passed descriptor; the others follow it in order.
    public static let firstDescriptor: Int32 = 3

    /// The sockets `environment` passes to process `processID`, without touching them:
    /// none when `LISTEN_PID` is unset or names another process. Values that cannot come
    /// from a service manager throw.
    public static func passedSockets(
        environment: [String: String],
        processID: pid_t
    ) throws(ServiceEnvironmentError) -> [ActivatedSocket] {
        guard let pidText = environment["LISTEN_PID"] else { return [] }
        guard let pid = EnvironmentNumber.processID(pidText) else {
            throw .invalidValue(variable: "LISTEN_PID", value: pidText, expected: "a process ID")
        }
        guard pid == processID, let countText = environment["LISTEN_FDS"] else { return [] }
        guard let count = EnvironmentNumber.unsigned(countText), count > 0,
            count <= UInt64(Int32.max - firstDescriptor)
        else {
            throw .invalidValue(variable: "LISTEN_FDS", value: countText, expected: "a positive number of descriptors")
        }
        let names: [String]
        if let namesText = environment["LISTEN_FDNAMES"] {
            names = namesText.split(separator: ":").map(String.init)
            guard names.count == Int(count) else { throw .nameCountMismatch(descriptors: Int(count), names: names.count) }
        } else {
            names = Array(repeating: "unknown", count: Int(count))
        }
        return names.enumerated().map { index, name in
            ActivatedSocket(descriptor: firstDescriptor + Int32(index), name: name)
        }
    }

    /// Marks the descriptors close-on-exec, so the commands the daemon runs do not inherit
    /// its sockets. Throws when one is not open.
    public static func adopt(_ sockets: [ActivatedSocket]) throws(ServiceEnvironmentError) {
        for socket in sockets {
            let flags = fcntl(socket.descriptor, F_GETFD)
            guard flags >= 0, fcntl(socket.descriptor, F_SETFD, flags | FD_CLOEXEC) == 0 else {
                throw .descriptorNotOpen(socket.descriptor)
            }
        }
    }

    /// The sockets passed to this process, adopted; then removes the three variables from
    /// the environment, whatever they held, so child processes cannot mistake them for
    /// their own. Call it at start-up, before other threads exist: unsetenv is not
    /// thread-safe.
    public static func takeFromProcess() throws(ServiceEnvironmentError) -> [ActivatedSocket] {
        defer {
            unsetenv("LISTEN_PID")
            unsetenv("LISTEN_FDS")
            unsetenv("LISTEN_FDNAMES")
        }
        let sockets = try passedSockets(environment: ProcessEnvironment.current(), processID: getpid())
        try adopt(sockets)
        return sockets
    }
}
