/// A recent ban decision as the pipeline holds it in memory: like `DecisionRecord`, with
/// the trigger entry as a compact reference instead of its cursor text, since a busy
/// findtime keeps tens of thousands of them.
struct HeldDecision: Sendable {
    /// A decision's identity across a restart: the jail and the entry that triggered it.
    struct Trigger: Hashable, Sendable {
        var jail: String
        var entry: EntryReference
    }

    var jail: String
    var id: String
    var time: Double
    var trigger: EntryReference

    var jailTrigger: Trigger { Trigger(jail: jail, entry: trigger) }
}
