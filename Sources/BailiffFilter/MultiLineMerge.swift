/// What a line says about its multi-line id, and what the id's state said, while the line
/// is merged into that state (fail2ban's rules, see `FilterProcessor.mergeMultiLine`).
struct MergeFlags: OptionSet {
    let rawValue: Int
    /// The line is marked `<F-NOFAIL>` (or `<F-MLFGAINED>`).
    static let nofail = MergeFlags(rawValue: 1)
    /// The line is marked `<F-MLFFORGET>`: the id's state goes once merged.
    static let forget = MergeFlags(rawValue: 2)
    /// The id's state was marked no-failure by an earlier line.
    static let cachedNofail = MergeFlags(rawValue: 4)
    /// The line is marked `<F-MLFGAINED>`.
    static let gained = MergeFlags(rawValue: 8)
}

/// The steps of a merge, as methods of the state they change: the state is in hand for
/// their whole length, so none of its parts is reference counted per step.
extension FailureData {
    /// Merges a line (`ranges` into `line`) into the live state of its id.
    func absorb(_ ranges: CaptureRanges, of line: UnsafeRawBufferPointer, flags: inout MergeFlags) {
        if let user = ranges.range(CaptureSlots.user) { values.addUser(UnsafeRawBufferPointer(rebasing: line[user])) }
        if take(CaptureSlots.nofail) { flags.insert(.cachedNofail) }
        if take(CaptureSlots.mlfgained) { flags.insert(.cachedNofail) }
        if flags.contains(.gained) { pending = false }
        if !flags.contains(.cachedNofail), !pending { matches.removeAll() }
        // A line naming an address replaces the connection's address as a whole, so an
        // IPv6 peer never inherits an IPv4 address cached for the same id.
        if ranges.hasValue(CaptureSlots.ip4) || ranges.hasValue(CaptureSlots.ip6) || ranges.hasValue(CaptureSlots.dns) {
            values.remove(CaptureSlots.ip4)
            values.remove(CaptureSlots.ip6)
            values.remove(CaptureSlots.dns)
            values.remove(CaptureSlots.cidr)
        }
        values.store(ranges, of: line)
    }

    /// Starts the state of a new id from a line (`ranges` into `line`).
    func start(_ ranges: CaptureRanges, of line: UnsafeRawBufferPointer, keepsUser: Bool) {
        values.store(ranges, of: line)
        // The user just stored, if any.
        if keepsUser, let user = ranges.range(CaptureSlots.user) { values.addUser(UnsafeRawBufferPointer(rebasing: line[user])) }
    }

    /// Whether the merged captures are marked no-failure.
    var isMarkedNoFailure: Bool { values.isSet(CaptureSlots.nofail) }

    /// Whether the merged captures name who failed (an address, a host name or an id), as
    /// a failure requires.
    var namesFailure: Bool {
        values.has(CaptureSlots.ip4) || values.has(CaptureSlots.ip6) || values.has(CaptureSlots.dns) || values.has(CaptureSlots.fid)
    }

    /// The end of a merge: no-failure marks that no longer hold are dropped, and the line
    /// joins the failure's lines or the connection's no-failure lines.
    func settle(_ flags: MergeFlags, matchedLines: MatchedLines) {
        var flags = flags
        let wasPending = pending
        pending = false
        if wasPending || values.userCount > 1 {
            values.remove(CaptureSlots.nofail)
            values.remove(CaptureSlots.mlfgained)
            flags.subtract([.gained, .nofail])
        }
        if !flags.contains(.nofail) {
            // Earlier no-failure lines of the connection come first, then the failures.
            if !nofailMatches.isEmpty {
                var lines = nofailMatches
                lines.append(matches)
                matches = lines
                nofailMatches.removeAll()
            }
            if !flags.contains(.gained) { matches.append(matchedLines) }
        } else if !flags.contains(.forget) {
            nofailMatches.append(matchedLines)
        }
    }
}
