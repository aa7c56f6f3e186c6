@testable import BailiffJournal
import Testing

/// The layout's lookup of a `FIELD=value` item's name, which the reader and the batch
/// run for every item of every entry.
struct FieldLayoutTests {
    private func index(_ layout: JournalFieldLayout, _ name: String) -> Int? {
        var bytes = Array(name.utf8)
        bytes.append(0)
        return bytes.withUnsafeBufferPointer { layout.index(ofName: $0.baseAddress!, count: name.utf8.count) }
    }

    @Test func everyFetchedNameIsFoundAtItsIndex() {
        let layout = JournalFieldLayout(additionalFields: ["_SYSTEMD_UNIT", "_TRANSPORT", "UNIT", "X"])
        for (position, name) in layout.names.enumerated() {
            #expect(index(layout, name) == position, "\(name)")
        }
    }

    @Test func namesOfTheSameLengthPrefixesAndOthersAreTold() {
        // _UID, _GID and _PID share a length and differ in one byte; AB and ABC are prefixes of longer names.
        let layout = JournalFieldLayout(additionalFields: ["_UID", "_GID", "AB", "ABC"])
        #expect(index(layout, "_UID") == layout.index(of: "_UID"))
        #expect(index(layout, "_GID") == layout.index(of: "_GID"))
        #expect(index(layout, "_PID") == JournalFieldLayout.pid)
        #expect(index(layout, "_XID") == nil)
        #expect(index(layout, "A") == nil)
        #expect(index(layout, "AB") == layout.index(of: "AB"))
        #expect(index(layout, "ABC") == layout.index(of: "ABC"))
        #expect(index(layout, "ABCD") == nil)
        #expect(index(layout, "MESSAGE_ID") == nil)
        #expect(index(layout, "MESSAG") == nil)
        #expect(index(layout, "") == nil)
    }

    @Test func namesLongerThanTheJournalKeepsAreNeverFound() {
        let long = String(repeating: "N", count: JournalFieldName.maximumLength + 1)
        let longest = String(repeating: "L", count: JournalFieldName.maximumLength)
        let layout = JournalFieldLayout(additionalFields: [long, longest])
        #expect(index(layout, long) == nil)
        #expect(index(layout, longest) == layout.index(of: longest))
        #expect(layout.index(of: long) != nil, "still a field of the layout by name")
    }
}
