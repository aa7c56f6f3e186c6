import Glibc

/// Runs `body` with this thread's filesystem user set to `uid`, so root's permission
/// override no longer applies to file access (setfsuid is per thread, and `body` is
/// synchronous, so no other code runs with it).
func asFilesystemUser<Result>(_ uid: uid_t, _ body: () throws -> Result) rethrows -> Result {
    // glibc has setfsuid, but its header is not part of Swift's Glibc module.
    typealias SetFilesystemUser = @convention(c) (uid_t) -> Int32
    let setfsuid = unsafeBitCast(dlsym(nil, "setfsuid")!, to: SetFilesystemUser.self)
    let previous = uid_t(bitPattern: setfsuid(uid))
    defer { _ = setfsuid(previous) }
    return try body()
}
