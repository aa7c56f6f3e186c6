import Glibc

/// Who is at the other end of a connection, as the kernel vouches (`SO_PEERCRED`): for
/// authorisation decisions and for saying in the audit log who asked for a ban.
public struct VarlinkPeer: Equatable, Sendable {
    public let processID: pid_t
    public let userID: uid_t
    public let groupID: gid_t

    public init(processID: pid_t, userID: uid_t, groupID: gid_t) {
        self.processID = processID
        self.userID = userID
        self.groupID = groupID
    }

    /// The credentials of the process connected to `descriptor`, when the kernel gives them.
    init?(connectedTo descriptor: Int32) {
        // `struct ucred` is pid, uid, gid; Glibc hides its declaration behind _GNU_SOURCE.
        var credentials: (pid_t, uid_t, gid_t) = (0, 0, 0)
        var length = socklen_t(MemoryLayout.size(ofValue: credentials))
        guard getsockopt(descriptor, SOL_SOCKET, SO_PEERCRED, &credentials, &length) == 0,
            length == socklen_t(MemoryLayout.size(ofValue: credentials))
        else { return nil }
        self.init(processID: credentials.0, userID: credentials.1, groupID: credentials.2)
    }
}
