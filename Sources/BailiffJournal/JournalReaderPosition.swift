extension JournalReader {
    /// The cursor of the last entry `next()` returned, also once `next()` has reached the
    /// end; nil before any entry was read.
    public func cursorOfLastEntry() -> String? {
        try? cursor()
    }
}
