import BailiffConfig
import BailiffNetwork
import BailiffFilter
import BailiffJournal

/// The time of the entry being processed, read by the filters' clocks: multi-line state
/// ages by the entries' own times, so a replay after a restart sees what the first run saw.
final class EntryClock: @unchecked Sendable {
    var now: Double = 0
}

/// Counts of what one jail saw.
public struct JailStatistics: Sendable, Equatable {
    /// Entries that satisfied the jail's journalmatch.
    public var entries = 0
    /// Entries a failregex matched.
    public var matched = 0
    /// Failures counted into the windows.
    public var failures = 0
    /// Failures of ignored addresses.
    public var ignored = 0
    /// Ban decisions.
    public var decisions = 0
}

/// One jail at run time: its filter, its journal match and its failure windows.
public struct PipelineJail {
    public let definition: JailDefinition
    public var name: String { definition.name }
    public let match: JournalMatch
    let processor: FilterProcessor
    var counter: JailCounter<EntryReference>
    public internal(set) var statistics = JailStatistics()

    /// Ids tracked and failures held in the windows.
    public var windowSizes: (ids: Int, failures: Int) { (counter.windows.idsTracked, counter.windows.failuresHeld) }

    /// Builds a jail for the journal; warnings (such as a missing journalmatch) go to `warnings`.
    init(definition: JailDefinition, clock: EntryClock, localAddresses: LocalAddresses?, warnings: inout [String]) throws(ConfigError) {
        guard let filter = definition.filter else {
            throw ConfigError("jail [\(definition.name)] has no filter", at: definition.location)
        }
        self.definition = definition
        do {
            processor = try FilterProcessor(definition: filter, clock: { clock.now })
        }
        // Failures are counted, never printed: their lines are not kept.
        processor.keepsMatchedLines = false
        do {
            match = try JournalMatch(words: filter.journalmatchWords)
        } catch {
            throw ConfigError("jail [\(definition.name)]: journalmatch: \(error.message)", at: definition.location)
        }
        if match.matchesEverything {
            warnings.append("jail [\(definition.name)]: filter \(filter.reference) has no journalmatch, so every journal entry is run through it")
        }
        let ignoreList = try IgnoreList(jail: definition, localAddresses: localAddresses)
        warnings += ignoreList.warnings.map { "jail [\(definition.name)]: \($0)" }
        counter = try JailCounter(jail: definition, ignoreList: ignoreList)
    }
}
