@testable import bailiff
import Testing

@Suite struct FormattingTests {
    @Test(arguments: [
        (0.0, "0s"), (0.25, "250ms"), (59.4, "59s"), (598.2, "9m 58s"), (600, "10m"), (3600, "1h"),
        (3725, "1h 2m"), (86400, "1d"), (90061, "1d 1h"), (-5, "0s"),
    ])
    func durations(seconds: Double, text: String) {
        #expect(DurationText.seconds(seconds) == text)
    }

    @Test func aBanWithoutLengthIsPermanent() {
        #expect(DurationText.ban(nil) == "permanent")
        #expect(DurationText.ban(30) == "30s")
    }

    @Test func tableColumnsLineUpAndNumbersAlignRight() {
        var table = TextTable([.init("NAME"), .init("COUNT", .right), .init("NOTE")])
        table.append(["a", "7", ""])
        table.append(["longer name", "12345", "x"])
        #expect(table.text == """
            NAME         COUNT  NOTE
            a                7
            longer name  12345  x
            """)
    }

    @Test func pairsLineUpTheirValues() {
        #expect(TextTable.pairs([("a", "1"), ("longer", "2")]) == "a:       1\nlonger:  2")
    }

    @Test func oneDecimal() {
        #expect(NumberText.oneDecimal(812.46) == "812.5")
        #expect(NumberText.oneDecimal(0) == "0.0")
        #expect(NumberText.oneDecimal(-1.25) == "-1.3" || NumberText.oneDecimal(-1.25) == "-1.2")
    }
}
