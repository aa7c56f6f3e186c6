import Testing
@testable import BailiffEngine

/// Failure windows keep compact references instead of cursors, and turn them back into
/// cursors when a ban names its causes: the cursor must come back exactly as libsystemd wrote it.
@Suite struct EntryReferenceTests {
    @Test(arguments: [
        "s=6f5400ec0bd14ea0983a4942db0b26f9;i=f423c;b=3f1c0a9e5b7d4e2f8a6c1b0d9e8f7a6b;m=767d3ddb3a;t=612c832535b3a;x=7160783f433f5ac4",
        // Zero, single digits and the full 64 bits: `%llx` writes no leading zeros and at least one digit.
        "s=00000000000000000000000000000001;i=0;b=ffffffffffffffffffffffffffffffff;m=1;t=10;x=ffffffffffffffff",
        "s=cf7b68cb6f124bcf8daca56c5e5b7f3e;i=50;b=ef3646f2f1234714952bd53f8ad32e78;m=5e001b5f3;t=660d44c711d17;x=8000000000000000",
    ])
    func aCursorComesBackAsItWasWritten(_ cursor: String) throws {
        var table = EntryReferenceTable()
        let parsed = table.reference(for: cursor)
        let reference = try #require(parsed)
        #expect(table.cursor(of: reference) == cursor)
    }

    @Test func referencesShareTheirIdsAndKeepTheirNumbers() throws {
        var table = EntryReferenceTable()
        let first = "s=6f5400ec0bd14ea0983a4942db0b26f9;i=1;b=3f1c0a9e5b7d4e2f8a6c1b0d9e8f7a6b;m=a;t=b;x=c"
        let second = "s=6f5400ec0bd14ea0983a4942db0b26f9;i=2;b=3f1c0a9e5b7d4e2f8a6c1b0d9e8f7a6b;m=d;t=e;x=f"
        let parsedFirst = table.reference(for: first)
        let parsedSecond = table.reference(for: second)
        let one = try #require(parsedFirst)
        let two = try #require(parsedSecond)
        #expect(one.seqnumID == two.seqnumID && one.bootID == two.bootID)
        #expect(one.realtime == 0xb && two.realtime == 0xe)
        #expect(table.cursor(of: one) == first && table.cursor(of: two) == second)
        #expect(table.cursor(of: .unknown) == nil)
    }
}
