import BailiffConfig
import Foundation
import Testing
@testable import BailiffFilter

/// fail2ban's test clock: Sun Aug 14 12:00:00 CEST 2005.
private let testNow: Double = 1_124_013_600
private let testZone = "CET-01CEST-02,M3.5.0,M10.5.0"

/// Runs `body` with `TZ` set (and restored after); tests touching TZ are serialized.
private func withTimeZone<T>(_ zone: String, _ body: () throws -> T) throws -> T {
    let saved = getenv("TZ").map { String(cString: $0) }
    setenv("TZ", zone, 1)
    tzset()
    defer {
        if let saved { setenv("TZ", saved, 1) } else { unsetenv("TZ") }
        tzset()
    }
    return try body()
}

private func detector(_ pattern: String? = nil, logTimeZone: String? = nil, now: Double = testNow) throws -> DateDetector {
    try DateDetector(datePattern: pattern, logTimeZone: logTimeZone, now: { now })
}

private func match(_ detector: DateDetector, _ line: String, scratch: MatchScratch = MatchScratch()) -> DateMatch? {
    var bytes = Array(line.utf8)
    return bytes.withUnsafeMutableBytes { detector.match(UnsafeRawBufferPointer($0), scratch: scratch) }
}

/// Time of the date a fresh detector finds in `line`.
private func timeOf(_ line: String, pattern: String? = nil, now: Double = testNow, logTimeZone: String? = nil) throws -> Double? {
    match(try detector(pattern, logTimeZone: logTimeZone, now: now), line)?.time
}

/// The matched date text.
private func text(_ line: String, _ found: DateMatch?) -> String? {
    guard let found else { return nil }
    let bytes = Array(line.utf8)
    return String(decoding: bytes[found.range], as: UTF8.self)
}

/// Epoch seconds of a local wall-clock time in the current TZ.
private func local(_ year: Int, _ month: Int, _ day: Int, _ hour: Int, _ minute: Int, _ second: Int) -> Double {
    var fields = tm()
    fields.tm_year = Int32(year - 1900)
    fields.tm_mon = Int32(month - 1)
    fields.tm_mday = Int32(day)
    fields.tm_hour = Int32(hour)
    fields.tm_min = Int32(minute)
    fields.tm_sec = Int32(second)
    fields.tm_isdst = -1
    return Double(mktime(&fields))
}

@Suite(.serialized) struct DateDetectorTests {
    /// Consecutive conversions reuse the last answer; it must follow the clock exactly.
    @Test func reusedDateConversionsFollowTheClock() throws {
        try withTimeZone("UTC") { () throws in
            final class Clock: @unchecked Sendable { var now = 0.0 }
            let clock = Clock()
            var reusing = DateConverter(now: { clock.now }, defaultZoneMinutes: nil)
            // Around the "more than a day ahead: last year" and "after now: yesterday" edges.
            let base = 1_709_251_200.0  // 2024-03-01 00:00:00 UTC
            let dates: [DateFields] = [
                DateFields(year: nil, month: 3, day: 2, hour: 0, minute: 0, second: 30, microsecond: 0),
                DateFields(year: nil, month: 3, day: 1, hour: 0, minute: 0, second: 30, microsecond: 0),
                DateFields(year: 2024, month: 3, day: 1, hour: 0, minute: 0, second: 30, microsecond: 0),
            ]
            var today = DateFields()
            today.hour = 0
            today.minute = 1
            var samples = 0
            for fields in dates + [today] {
                for step in stride(from: -200_000.0, through: 200_000.0, by: 997.5) {
                    for offset in [-1.0, -0.0005, 0, 0.0005, 1] {
                        clock.now = base + step + offset
                        var fresh = DateConverter(now: { clock.now }, defaultZoneMinutes: nil)
                        #expect(reusing.epochSeconds(fields) == fresh.epochSeconds(fields), "\(fields) at \(clock.now)")
                        samples += 1
                    }
                }
            }
            #expect(samples > 1000)
        }
    }

    // MARK: formats of the default templates

    @Test func defaultTemplatesReadCommonFormats() throws {
        try withTimeZone(testZone) { () throws in
            let expected = 1_106_513_999.0  // 2005-01-23 21:59:59 CET
            let cases: [(line: String, date: String)] = [
                ("Jan 23 21:59:59 [sshd] error: PAM: Authentication failure", "Jan 23 21:59:59"),
                ("Sun Jan 23 21:59:59 2005 [sshd] error", "Sun Jan 23 21:59:59 2005"),
                ("Sun Jan 23 2005 21:59:59 [sshd] error", "Sun Jan 23 2005 21:59:59"),
                ("2005/01/23 21:59:59 [sshd] error", "2005/01/23 21:59:59"),
                ("2005.01.23 21:59:59 [sshd] error", "2005.01.23 21:59:59"),
                ("23/01/2005 21:59:59 [sshd] error", "23/01/2005 21:59:59"),
                ("23/01/05 21:59:59 [sshd] error", "23/01/05 21:59:59"),
                ("23/Jan/2005:21:59:59 [sshd] error", "23/Jan/2005:21:59:59"),
                ("23/Jan/2005:21:59:59 +0100 [sshd] error", "23/Jan/2005:21:59:59 +0100"),
                ("01/23/2005:21:59:59 [sshd] error", "01/23/2005:21:59:59"),
                ("2005-01-23 21:59:59 [sshd] error", "2005-01-23 21:59:59"),
                ("23-Jan-2005 21:59:59 [sshd] error", "23-Jan-2005 21:59:59"),
                ("23-01-2005 21:59:59 [sshd] error", "23-01-2005 21:59:59"),
                ("1106513999 [sshd] error", "1106513999"),
                ("[1106513999.000] [sshd] error", "1106513999.000"),
                ("audit(1106513999.000:987): [sshd] error", "1106513999.000"),
                ("@4000000041f4104f00000000 [sshd] error", "@4000000041f4104f00000000"),
                ("2005-01-23T20:59:59Z [sshd] error", "2005-01-23T20:59:59Z"),
                ("2005-01-23T15:59:59-05:00 [sshd] error", "2005-01-23T15:59:59-05:00"),
                ("20050123T215959 [sshd] error", "20050123T215959"),
                ("20050123 215959 [sshd] error", "20050123 215959"),
                ("<01/23/05@21:59:59> [sshd] error", "<01/23/05@21:59:59>"),
                ("050123 21:59:59 [sshd] error", "050123 21:59:59"),
                ("Jan-23-05 21:59:59 [sshd] error", "Jan-23-05 21:59:59"),
                ("Jan 23, 2005 9:59:59 PM [sshd] error", "Jan 23, 2005 9:59:59 PM"),
                ("bogus-prefix Jan 23 21:59:59 [sshd] error", "Jan 23 21:59:59"),
                ("server: 2005-01-23 21:59:59 [sshd] error", "2005-01-23 21:59:59"),
            ]
            for (line, date) in cases {
                let found = match(try detector(), line)
                #expect(text(line, found) == date, "\(line)")
                #expect(found?.time == expected, "\(line)")
            }
            #expect(try timeOf("no date line [sshd] error") == nil)
        }
    }

    @Test func fractionsAndZonesAreKept() throws {
        try withTimeZone(testZone) { () throws in
            let found = match(try detector(), "2005-01-23T20:59:59.252Z sshd")
            #expect(found?.time == 1_106_513_999.252)
            let apache = "192.0.2.1 - - [21/Jun/2005:16:47:46 +0200] \"GET / HTTP/1.1\" 401"
            let web = match(try detector(#"^[^\[]*\[({DATE})"#), apache)
            #expect(text(apache, web) == "21/Jun/2005:16:47:46 +0200")
            #expect(web?.time == 1_119_365_266)
            let named = match(try detector(), "26-Jul-2007 15:20:52.252 client 192.0.2.1")
            #expect(named?.time == local(2007, 7, 26, 15, 20, 52) + 0.252)
            let utc = match(try detector(), "2005-06-21 16:47:46 UTC sshd")
            #expect(utc?.time == 1_119_372_466)
        }
    }

    // MARK: year and day inference

    @Test func missingYearIsInferredFromNow() throws {
        try withTimeZone(testZone) { () throws in
            // now: 2005-08-14 12:00 CEST
            #expect(try timeOf("Aug 14 11:59:59 host sshd") == local(2005, 8, 14, 11, 59, 59))
            // up to a day in the future stays this year
            #expect(try timeOf("Aug 15 11:59:59 host sshd") == local(2005, 8, 15, 11, 59, 59))
            // more than a day ahead: last year
            #expect(try timeOf("Aug 15 12:00:01 host sshd") == local(2004, 8, 15, 12, 0, 1))
            #expect(try timeOf("Dec 31 23:59:59 host sshd") == local(2004, 12, 31, 23, 59, 59))
            // another "now": New Year's Day 2006, a line from Dec 31 is last year's
            let january = local(2006, 1, 1, 0, 5, 0)
            #expect(try timeOf("Dec 31 23:59:59 host", now: january) == local(2005, 12, 31, 23, 59, 59))
            #expect(try timeOf("Jan  1 00:04:00 host", now: january) == local(2006, 1, 1, 0, 4, 0))
            // Feb 29 pushed to a non-leap year cannot be converted
            let leap = local(2008, 2, 1, 0, 0, 0)
            #expect(try timeOf("Feb 29 10:00:00 host", now: leap) == nil)
            // only a time: today, or yesterday when in the future
            #expect(try timeOf("00:00:01", pattern: "^%ExH:%ExM:%ExS**") == 1_123_970_401)
            #expect(try timeOf("21:59:59", pattern: "^%ExH:%ExM:%ExS**") == 1_123_963_199)
            // a month/day in the future: last year
            #expect(try timeOf("09/01 21:59:59", pattern: "^%m/%d %ExH:%ExM:%ExS**") == 1_094_068_799)
        }
    }

    @Test func fieldDirectives() throws {
        try withTimeZone(testZone) { () throws in
            let cases: [(pattern: String, line: String, time: Double)] = [
                ("^%B %Exd %I:%ExM:%ExS**", "January 23 12:59:59", 1_106_438_399),
                ("^%y %U %A %ExH:%ExM:%ExS**", "01 11 Wednesday 21:59:59", 985_208_399),
                ("^%y %W %A %ExH:%ExM:%ExS**", "01 11 Wednesday 21:59:59", 984_603_599),
                ("^%y %W %w %ExH:%ExM:%ExS**", "01 11 0 21:59:59", 984_949_199),
                ("^%y %W %w %ExH:%ExM:%ExS**", "01 11 6 21:59:59", 984_862_799),
                ("^%Y-%m-%d**", "2004-09-01", 1_093_989_600),
                ("^%Y-%m-%d%z**", "2004-09-01Z", 1_093_996_800),
                ("^%Y %j %H:%M", "2004 366 10:00", local(2004, 12, 31, 10, 0, 0)),
                ("^%I:%M %p", "12:30 pm", local(2005, 8, 14, 12, 30, 0) - 86_400),
                ("^%c", "Sun Jan 23 21:59:59 2005", 1_106_513_999),
                ("^%x %X", "01/23/05 21:59:59", 1_106_513_999),
                (#"^\[%d/%b/%Y %H:%M:%S\]"#, "[17/Jun/2011 17:00:45] Attempt", local(2011, 6, 17, 17, 0, 45)),
                ("^%Y-%m-%d %H:%M:%S %s", "2005-06-21 16:47:46 1119365266", 1_119_365_266),
            ]
            for (pattern, line, time) in cases {
                #expect(try timeOf(line, pattern: pattern) == time, "\(pattern) on \(line)")
            }
        }
    }

    // MARK: time zones

    @Test func processTimeZoneIsHonoured() throws {
        let line = "2005-06-21 16:47:46 sshd"
        let inBerlin = try withTimeZone(testZone) { try timeOf(line) }
        let inUTC = try withTimeZone("UTC0") { try timeOf(line) }
        let inNewYork = try withTimeZone("EST+05EDT,M3.2.0,M11.1.0") { try timeOf(line) }
        #expect(inBerlin == 1_119_365_266)
        #expect(inUTC == 1_119_372_466)
        #expect(inNewYork == 1_119_386_866)
        // winter and summer time on either side of the switch
        try withTimeZone(testZone) { () throws in
            #expect(try timeOf("2005-03-27 01:59:59 x") == 1_111_885_199)
            #expect(try timeOf("2005-03-27 03:00:00 x") == 1_111_885_200)
            #expect(try timeOf("2005-10-30 03:00:00 x") == 1_130_637_600)
        }
    }

    @Test func logTimeZoneAppliesWithoutExplicitZone() throws {
        try withTimeZone(testZone) { () throws in
            let pattern = "^%ExY-%Exm-%Exd %H:%M:%S(?: ?%Exz)?"
            let noon = 1_485_176_400.0  // 2017-01-23 13:00 UTC
            let cases: [(zone: String?, line: String, utcHour: Double)] = [
                ("UTC+0300", "2017-01-23 15:00:00", 12),
                ("UTC", "2017-01-23 15:00:00", 15),
                ("UTC-0430", "2017-01-23 15:00:00", 19.5),
                ("GMT+12", "2017-01-23 15:00:00", 3),
                (nil, "2017-01-23 15:00:00", 14),
                ("CET", "2017-01-23 15:00:00", 14),
                ("CEST", "2017-01-23 15:00:00", 13),
                ("CET+0130", "2017-01-23 15:00:00", 12.5),
                ("UTC+0300", "2017-01-23 15:00:00 GMT", 15),
                ("UTC", "2017-01-23 15:00:00 -1045", 25.75),
                (nil, "2017-01-23 15:00:00 +09:45", 5.25),
                ("GMT+12", "2017-01-23 15:00:00 CET+0130", 12.5),
            ]
            for (zone, line, hour) in cases {
                let time = try timeOf(line, pattern: pattern, logTimeZone: zone)
                #expect(time == noon + (hour - 13) * 3600, "\(zone ?? "local") \(line)")
            }
            #expect(throws: DatePatternError.self) { try detector(logTimeZone: "WRONG-TZ") }
        }
    }

    // MARK: keywords and anchoring

    @Test func lineBeginAnchoring() throws {
        try withTimeZone(testZone) { () throws in
            let anchored = try detector("{^LN-BEG}")
            #expect(text("[Jan 23 21:59:59] x", match(anchored, "[Jan 23 21:59:59] x")) == "Jan 23 21:59:59")
            #expect(match(anchored, "bogus-prefix Jan 23 21:59:59 x") == nil)
            #expect(match(anchored, "###Jan 23 21:59:59 x") == nil)
            let custom = try detector("{^LN-BEG}%ExY%Exm%Exd %ExH%ExM%ExS")
            #expect(match(custom, "00001230 010203 - 20030101 000000") == nil)
            let line = "20031230 010203 - 20030101 000000"
            #expect(text(line, match(custom, line)) == "20031230 010203")
            let unbound = try detector("{^LN-BEG}%ExY%Exm%Exd%ExH%ExM%ExS**")
            let glued = "##2003123001020320030101000000"
            #expect(text(glued, match(unbound, glued)) == "20031230010203")
            // every template of {^LN-BEG} is bound to the line start
            #expect(anchored.templates.allSatisfy { $0.flags.contains(.lineBegin) })
            #expect(anchored.templates.count == 17)
            #expect(try detector().templates.count == 31)
        }
    }

    @Test func defaultTemplateOrder() throws {
        let all = try detector().templates
        #expect(all.count == 31)
        // Line-start copies first (preferred when reordering), then the plain templates.
        #expect(all.prefix(14).allSatisfy { $0.name.hasPrefix("{^LN-BEG}") && $0.weight == 100 && $0.flags.contains(.lineBegin) })
        #expect(all.dropFirst(14).allSatisfy { $0.weight == 1 })
        #expect(all[14].flags == [.wordBegin, .wordEnd])
        #expect(all[21].name == "Epoch" && all[30].name == "TAI64N")
        // The common formats have hand-written matchers, at the line start.
        let fast = all.filter { $0.fast != nil }.map(\.name)
        #expect(fast.count == 3)
        #expect(fast.allSatisfy { $0.hasPrefix("{^LN-BEG}") })
    }

    @Test func emptyAndOddLines() throws {
        #expect(match(try detector(), "") == nil)
        #expect(match(try detector("{NONE}"), "") == DateMatch(range: 0..<0, time: nil))
        // a date-like text that is no date: matched, but no time
        try withTimeZone(testZone) { () throws in
            let impossible = "2005-02-30 10:00:00 x"
            let found = match(try detector(), impossible)
            #expect(text(impossible, found) == "2005-02-30 10:00:00")
            #expect(found?.time == nil)
            // non-ASCII around the date goes through PCRE2 and gives the same
            let line = "«Jun 21 16:47:46» sshd: é"
            #expect(text(line, match(try detector("{^LN-BEG}"), line)) == "Jun 21 16:47:46")
        }
    }

    @Test func noneExpectsNoDate() throws {
        let none = try detector("{NONE}")
        let found = match(none, "Jan 23 21:59:59 host sshd")
        #expect(found == DateMatch(range: 0..<0, time: nil))
    }

    @Test func datePlaceholderEmbedsDefaults() throws {
        try withTimeZone(testZone) { () throws in
            let rfc5424 = try detector(#"^<\d+>\d+\s+{DATE}"#)
            let line = "<34>1 2005-06-21T16:47:46.003+02:00 host sshd 123 - - Failed password"
            let found = match(rfc5424, line)
            #expect(text(line, found) == "<34>1 2005-06-21T16:47:46.003+02:00")
            #expect(found?.time == 1_119_365_266.003)
            #expect(rfc5424.templates.count == 17)
        }
    }

    @Test func epochAndTAI64N() throws {
        let epoch = try detector("EPOCH")
        for line in ["1138049999 [sshd] x", "[1138049999] x", "[1138049999.555] x", "audit(1138049999.555:101): x"] {
            #expect(match(epoch, line)?.time.map { $0.rounded(.down) } == 1_138_049_999, "\(line)")
        }
        for line in ["123456789 x", "9999999999999999 x", "1138049999A x", "A1138049999 x"] {
            #expect(match(epoch, line) == nil, "\(line)")
        }
        let long = try detector("LEPOCH")
        #expect(match(long, "1138049999123 x")?.time == 1_138_049_999.123)
        #expect(match(long, "1138049999123456 x")?.time == 1_138_049_999.123456)
        let custom = try detector(#"(?<=\|\s){LEPOCH}(?=\s\|)"#)
        #expect(match(custom, "auth-error | 1138049999000 | invalid password")?.time == 1_138_049_999)
        #expect(match(custom, "test1138049999000 | test-left") == nil)
        let tai = try detector("{^LN-BEG}TAI64N")
        #expect(match(tai, "@4000000041f4104f00000000 x")?.time == 0x0000_0000_41F4_104F)
    }

    @Test func badPatternsAreRefused() {
        #expect(throws: DatePatternError.self) { try detector("%Y-%m-%d %Q") }
        #expect(throws: DatePatternError.self) { try detector("100% %H:%M") }
        #expect(throws: DatePatternError.self) { try detector("(%ExY%Exm%Exd") }
        #expect(throws: DatePatternError.self) { try detector("%d %d") }
        #expect(throws: DatePatternError.self) { try detector("%H:%M:%S\n%H:%M:%S") }
        do {
            _ = try detector("%Y-%m-%d %Q")
        } catch let error as DatePatternError {
            #expect(error.description.contains("%Q"))
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    // MARK: template order

    @Test func lastTemplateWinsAndCollisionsAreAvoided() throws {
        let dd = try detector()
        let sequence: [(line: String, date: String, count: Int)] = [
            ("some free text 030324  0:03:59 -- 2003-03-07 17:05:01 ...", "030324  0:03:59", 1),
            ("some free text 2003-03-07 17:05:01 test ...", "2003-03-07 17:05:01", 15),
            ("server mysqld[1000]: 030324  0:04:00 [Warning] Access denied ... foreign-input just some free text 2003-03-07 17:05:01 test", "030324  0:04:00", 10),
            ("server mysqld[1020]: Sep 16 21:30:26 server mysqld: 030916 21:30:26 [Warning] Access denied", "Sep 16 21:30:26", 15),
            ("server mysqld[5906]: 2005-10-07 06:09:42 5907 [Warning] Access denied", "2005-10-07 06:09:42", 20),
            ("server mysqld[5906]: 2005-10-08T15:26:18.237955 6 [Note] Access denied", "2005-10-08T15:26:18.237955", 20),
            ("server mysqld[1000]: 051009 10:05:30 [Warning] Access denied ...", "051009 10:05:30", 50),
        ]
        let scratch = MatchScratch()
        for (line, date, count) in sequence {
            for _ in 0..<count { #expect(text(line, match(dd, line, scratch: scratch)) == date) }
        }
        // a year at the end does not confuse the next lines
        let years = try detector()
        #expect(text("2012/10/11 02:37:17 [error] 18434#0", match(years, "2012/10/11 02:37:17 [error] 18434#0")) == "2012/10/11 02:37:17")
        for _ in 0..<10 {
            #expect(text("11/10/2012 02:37:17 [error] 18434#0", match(years, "11/10/2012 02:37:17 [error] 18434#0")) == "11/10/2012 02:37:17")
        }
        #expect(text("2012/10/11 02:37:17 [error] 18434#0", match(years, "2012/10/11 02:37:17 [error] 18434#0")) == "2012/10/11 02:37:17")
    }

    @Test func fastMatchersAgreeWithTheirRegex() throws {
        // Each fast matcher against its own PCRE2 template on tricky spellings.
        let lines = [
            "Jun 21 16:47:46 host", "Jun  1 6:47:46 host", "jun 21 16:47:46.123456 2005 host", "Tue Jun 21 16:47:46 2005x",
            "Jun 21 16:47:46123", "Jun 21 16:47:60 x", "Jun 31 29:5:9", "[Jun 21 16:47:46]", "##Jun 21 16:47:46", "Jun 21 16:47:46 2099",
            "2005-06-21 16:47:46,123 x", "2005/6/1T6:7:8.1234567", "2005.06.21  16:47:46 +02:00", "2005-06-21 16:47:46\t\tZ",
            "2005-06-21 16:47:46 +0200x", "2005-06-21 16:47:46 UTCx", "2005-06-21 23:59:61", "2005-12-21 16:47:46", "1999-06-21 16:47:46",
            "21/Jun/2005:16:47:46 +0200", "21-jun-2005 16:47:46.5 utc", " 1/Jun/2005:16:47:46", "31/Dec/2005 23:59:59 -01", "21/Jun/2005:16:47:46 +02:0",
            "Jun 21 16:47:46 é", "é Jun 21 16:47:46", "2005-06-21 16:47:46é", "Jun 21 16:47:4٣",
        ]
        let dd = try detector()
        let scratch = MatchScratch()
        for template in dd.templates {
            guard let fast = template.fast else { continue }
            for line in lines {
                var bytes = Array(line.utf8)
                let count = bytes.count
                bytes.withUnsafeMutableBufferPointer { buffer in
                    let base = UnsafePointer(buffer.baseAddress!)
                    let viaRegex = scratch.match(template.compiled, in: UnsafeRawBufferPointer(start: base, count: count)) == .matched
                        ? scratch.range(ofGroup: 1) : nil
                    switch fast.match(base, count: count) {
                    case .match(let found):
                        #expect(viaRegex == found.dateStart..<found.matchEnd, "\(template.name) on \(line)")
                    case .noMatch:
                        #expect(viaRegex == nil, "\(template.name) on \(line)")
                    case .unknown:
                        break
                    }
                }
            }
        }
    }
}

extension DateDetectorTests {
    /// Cases recorded from fail2ban itself (JSON made by a helper script that runs fail2ban's
    /// DateDetector); only when `BAILIFF_DATE_VECTORS` names such a file.
    @Suite struct Differential {
        @Test(.enabled(if: ProcessInfo.processInfo.environment["BAILIFF_DATE_VECTORS"] != nil))
        func agreesWithRecordedFail2banResults() throws {
            let path = ProcessInfo.processInfo.environment["BAILIFF_DATE_VECTORS"]!
            let data = try Data(contentsOf: URL(fileURLWithPath: path))
            let cases = try #require(try JSONSerialization.jsonObject(with: data) as? [[String: Any]])
            var checked = 0
            var mismatches = 0
            try withTimeZone(testZone) { () throws in
                for entry in cases {
                    let pattern = entry["pattern"] as? String
                    let zone = entry["logtz"] as? String
                    let lines = entry["lines"] as? [String] ?? []
                    if entry["patternError"] != nil {
                        if (try? detector(pattern, logTimeZone: zone)) != nil {
                            mismatches += 1
                            if mismatches < 40 { print("ACCEPTED bad pattern \(pattern ?? "nil")") }
                        }
                        continue
                    }
                    let dd: DateDetector
                    do { dd = try detector(pattern, logTimeZone: zone) } catch {
                        mismatches += 1
                        print("REFUSED \(pattern ?? "nil"): \(error)")
                        continue
                    }
                    let expected = entry["expected"] as? [Any] ?? []
                    let scratch = MatchScratch()
                    for (line, want) in zip(lines, expected) {
                        if want is [String: Any] { continue }  // fail2ban raised
                        let found = match(dd, line, scratch: scratch)
                        checked += 1
                        var ok = true
                        var wanted = "nil"
                        if let want = want as? [Any] {
                            let start = want[0] as! Int
                            let end = want[1] as! Int
                            let time = want[2] as? Double
                            wanted = "\(start)..<\(end) \(time.map { String($0) } ?? "nil") \(want[3])"
                            if let found {
                                let range = start < 0 ? 0..<0 : start..<end
                                if found.range != range { ok = false }
                                switch (found.time, time) {
                                case (nil, nil): break
                                case (let mine?, let theirs?):
                                    if !(mine == theirs || (theirs == theirs.rounded(.down) && mine.rounded(.down) == theirs)) { ok = false }
                                default: ok = false
                                }
                            } else {
                                ok = false
                            }
                        } else if found != nil {
                            ok = false
                        }
                        if !ok {
                            mismatches += 1
                            if mismatches < 60 {
                                print("MISMATCH [\(pattern ?? "default")] \(line.debugDescription): got \(found.map { "\($0.range) \($0.time.map { String($0) } ?? "nil")" } ?? "nil"), fail2ban \(wanted)")
                            }
                        }
                    }
                }
            }
            print("differential: \(checked) lines checked, \(mismatches) mismatches")
            #expect(mismatches == 0)
        }
    }
}

extension DateDetectorTests {
    /// The conformance corpus: every annotated plain-log line of `../shared/fail2ban-corpus/logs`
    /// must give the annotated failure time, with the date pattern of the log's filter (and of the
    /// filter variant the annotation block selects). Journal-style lines carry no date and are left out.
    @Suite struct Corpus {
        static let corpus: String? = {
            let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            let candidates: [String?] = [ProcessInfo.processInfo.environment["BAILIFF_CORPUS"], root.appendingPathComponent("../shared/fail2ban-corpus").standardized.path]
            return candidates.compactMap { $0 }.first { (path: String) in FileManager.default.fileExists(atPath: path + "/logs") }
        }()

        static let testOnlyFilters = [
            "zzz-generic-example": #"""
                {^LN-BEG}%ExY(?P<_sep>[-/.])%m(?P=_sep)%d[T ]%H:%M:%S(?:[.,]%f)?(?:\s*%z)?
                {^LN-BEG}(?:%a )?%b %d %H:%M:%S(?:\.%f)?(?: %ExY)?
                {^LN-BEG}%Y(?P<_sep>[-/.])%m(?P=_sep)%d[T ]%H:%M:%S(?:[.,]%f)?(?:\s*%z)?
                """#,
            "zzz-sshd-obsolete-multiline": "{^LN-BEG}",
        ]

        struct Tally {
            var checked = 0
            var failed: [String] = []
        }

        /// One filter variant: its detector, fed every line of the file in order as fail2ban does.
        final class Variant {
            /// fail2ban's filter falls back on the last date seen (if recent) for lines whose date is
            /// optional, missing or not convertible.
            var lastDate: Double?
            let detector: DateDetector?
            let datePattern: String?
            let journal: Bool
            let problem: String?
            init(filter: String, options: [String: String]) {
                let parameters = options.filter { !$0.key.hasPrefix("test.") }.sorted { $0.key < $1.key }
                let specifier = parameters.isEmpty ? filter : filter + "[" + parameters.map { "\($0.key)=\"\($0.value)\"" }.joined(separator: ", ") + "]"
                var pattern: String?
                var journal = options["logtype"] == "journal"
                var problem: String?
                var detector: DateDetector?
                do {
                    if let testOnly = Corpus.testOnlyFilters[filter] {
                        // Filters of fail2ban's own test configuration, not in the corpus.
                        pattern = testOnly
                    } else {
                        let loader = FilterLoader(tree: ConfigTree(directory: Corpus.corpus!))
                        let definition = try loader.load(try NamedReference.parse(specifier))
                        pattern = definition.datepattern
                        journal = journal || definition.logtype == "journal"
                    }
                    detector = try DateDetector(datePattern: pattern, now: { testNow })
                } catch {
                    problem = "\(specifier): \(error)"
                }
                self.detector = detector
                datePattern = pattern
                self.journal = journal
                self.problem = problem
            }
        }

        @Test func annotatedTimesOfTheCorpus() throws {
            guard let corpus = Corpus.corpus else {
                print("note: fail2ban corpus not found (../shared/fail2ban-corpus); skipping the corpus date test")
                return
            }
            var byPattern: [String: Tally] = [:]
            var journalLines = 0
            var variantProblems: Set<String> = []
            let scratch = MatchScratch()

            func parseJSON(_ text: Substring) -> Any? {
                try? JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])
            }

            func process(file: String, filter: String, inherited: [[String: String]]?) throws {
                let path = corpus + "/logs/" + file
                guard let data = FileManager.default.contents(atPath: path) else { return }
                let text = String(decoding: data, as: UTF8.self)
                var fileOptions: [String: String] = [:]
                var blocks: [[String: String]] = inherited ?? [[:]]
                var variants: [String: Variant] = [:]
                var pending: [String: Any]?

                func strings(_ object: Any) -> [String: String] {
                    var result: [String: String] = [:]
                    for (key, value) in object as? [String: Any] ?? [:] { result[key] = "\(value)" }
                    return result
                }
                func variant(_ options: [String: String]) -> Variant {
                    let merged = fileOptions.merging(options) { _, new in new }
                    let key = merged.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
                    if let existing = variants[key] { return existing }
                    let made = Variant(filter: filter, options: merged)
                    if let problem = made.problem { variantProblems.insert(problem) }
                    variants[key] = made
                    return made
                }
                func applies(_ options: [String: String]) -> Bool {
                    guard let condition = fileOptions.merging(options, uniquingKeysWith: { _, new in new })["test.condition"] else { return true }
                    let compact = condition.replacingOccurrences(of: " ", with: "").replacingOccurrences(of: "\"", with: "'")
                    if compact.hasPrefix("name=='"), compact.hasSuffix("'") { return compact.dropFirst(7).dropLast() == Substring(filter) }
                    return true
                }

                for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
                    var line = rawLine
                    if line.hasSuffix("\r") { line = line.dropLast() }
                    if line.hasPrefix("#") {
                        let body = line.dropFirst().drop(while: { $0 == " " })
                        if body.hasPrefix("failJSON:") {
                            pending = parseJSON(body.dropFirst("failJSON:".count)) as? [String: Any]
                        } else if body.hasPrefix("filterOptions:") {
                            let value = parseJSON(body.dropFirst("filterOptions:".count))
                            if let list = value as? [Any] { blocks = list.map(strings) } else if let value { blocks = [strings(value)] }
                        } else if body.hasPrefix("fileOptions:") {
                            fileOptions = strings(parseJSON(body.dropFirst("fileOptions:".count)) ?? [:])
                        } else if body.hasPrefix("addFILE:") {
                            if let name = parseJSON(body.dropFirst("addFILE:".count)) as? String {
                                try process(file: name, filter: filter, inherited: nil)
                            }
                        }
                        continue
                    }
                    if line.isEmpty && pending == nil { continue }
                    let annotation = pending
                    pending = nil
                    for options in blocks where applies(options) {
                        let current = variant(options)
                        guard let detector = current.detector else { continue }
                        if current.journal {
                            if annotation?["match"] as? Bool == true { journalLines += 1 }
                            continue
                        }
                        let found = match(detector, String(line), scratch: scratch)
                        var time: Double?
                        if let found, !found.range.isEmpty, let value = found.time {
                            time = value
                            current.lastDate = value
                        } else if let last = current.lastDate, last > testNow - 60 {
                            time = last
                        } else if let found, found.range.isEmpty {
                            time = testNow
                        }
                        guard annotation?["match"] as? Bool == true, let expectedText = annotation?["time"] as? String else { continue }
                        let key = current.datePattern ?? "(default templates)"
                        var tally = byPattern[key] ?? Tally()
                        tally.checked += 1
                        let expected = try #require(Corpus.localTime(expectedText), "bad time \(expectedText)")
                        let got = time.map { $0.rounded(.down) }
                        if got != expected {
                            tally.failed.append("\(file): \(line) -> \(found.map { "\($0.range) \($0.time.map { String($0) } ?? "no time")" } ?? "no date"), expected \(expectedText) (\(expected))")
                        }
                        byPattern[key] = tally
                    }
                }
            }

            try withTimeZone(testZone) { () throws in
                let logs = try FileManager.default.contentsOfDirectory(atPath: corpus + "/logs").sorted()
                for file in logs {
                    var isDirectory: ObjCBool = false
                    guard FileManager.default.fileExists(atPath: corpus + "/logs/" + file, isDirectory: &isDirectory), !isDirectory.boolValue else { continue }
                    try process(file: file, filter: file, inherited: nil)
                }
            }
            var total = 0
            var failures = 0
            for (pattern, tally) in byPattern.sorted(by: { $0.key < $1.key }) {
                total += tally.checked
                failures += tally.failed.count
                print("corpus dates [\(pattern.replacingOccurrences(of: "\n", with: " | "))]: \(tally.checked - tally.failed.count)/\(tally.checked) pass")
                for failure in tally.failed.prefix(10) { print("  FAIL \(failure)") }
            }
            for problem in variantProblems.sorted() { print("  filter not loadable: \(problem)") }
            print("corpus dates: \(total - failures)/\(total) annotated lines pass; \(journalLines) journal lines (no date) left out")
            #expect(failures == 0)
            #expect(total > 0)
        }

        /// `YYYY-MM-DDTHH:MM:SS[.ffffff]` in local time.
        static func localTime(_ text: String) -> Double? {
            let parts = text.split(whereSeparator: { "-T:.".contains($0) }).compactMap { Int($0) }
            guard parts.count >= 6 else { return nil }
            return local(parts[0], parts[1], parts[2], parts[3], parts[4], parts[5])
        }
    }
}

extension DateDetectorTests {
    /// Not a timed test: prints ns/line when `BAILIFF_BENCH` is set (see `scripts/bench-dates`).
    @Suite struct Benchmark {
        @Test(.enabled(if: ProcessInfo.processInfo.environment["BAILIFF_BENCH"] != nil))
        func nanosecondsPerLine() throws {
            let iterations = Int(ProcessInfo.processInfo.environment["BAILIFF_BENCH_LINES"] ?? "") ?? 2_000_000
            let wallClock: @Sendable () -> Double = {
                var spec = timespec()
                clock_gettime(CLOCK_REALTIME_COARSE, &spec)
                return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
            }
            let cases: [(name: String, pattern: String?, lines: [String])] = [
                ("syslog, default templates", nil, (0..<64).map { "Jun 21 16:47:\(String(format: "%02d", $0 % 60)) host sshd[123]: Failed password for root from 192.0.2.\($0) port 22 ssh2" }),
                ("syslog, {^LN-BEG}", "{^LN-BEG}", (0..<64).map { "Jun 21 16:47:\(String(format: "%02d", $0 % 60)) host sshd[123]: Failed password for root from 192.0.2.\($0) port 22 ssh2" }),
                ("ISO 8601, {^LN-BEG}", "{^LN-BEG}", (0..<64).map { "2005-06-21 16:47:\(String(format: "%02d", $0 % 60)),123 WARN auth failed for 192.0.2.\($0)" }),
                ("ISO 8601 with zone, default", nil, (0..<64).map { "2005-06-21T16:47:\(String(format: "%02d", $0 % 60)).123456+02:00 host app: denied 192.0.2.\($0)" }),
                ("Apache access, ^[^\\[]*\\[({DATE})", #"^[^\[]*\[({DATE})"#, (0..<64).map { "192.0.2.\($0) - - [21/Jun/2005:16:47:\(String(format: "%02d", $0 % 60)) +0200] \"GET /admin HTTP/1.1\" 401 381" }),
                ("custom %Y-%m-%d (PCRE2 path)", "^%Y-%m-%d %H:%M:%S", (0..<64).map { "2005-06-21 16:47:\(String(format: "%02d", $0 % 60)) x 192.0.2.\($0)" }),
                ("no date, default templates (all 31 tried)", nil, (0..<64).map { "host sshd[123]: Failed password for root from 192.0.2.\($0) port 22 ssh2" }),
            ]
            try withTimeZone(testZone) { () throws in
                let only = ProcessInfo.processInfo.environment["BAILIFF_BENCH_CASE"]
                for (name, pattern, lines) in cases where only.map({ name.hasPrefix($0) }) ?? true {
                    let byteLines = lines.map { Array($0.utf8) }
                    let scratch = MatchScratch()
                    for (clockName, clock) in [("fixed now", { testNow } as @Sendable () -> Double), ("wall clock", wallClock)] {
                        let dd = try DateDetector(datePattern: pattern, now: clock)
                        let runs = name.hasPrefix("no date") ? iterations / 20 : iterations
                        var checksum = 0.0
                        var start = timespec()
                        var end = timespec()
                        clock_gettime(CLOCK_MONOTONIC, &start)
                        for index in 0..<runs {
                            byteLines[index & 63].withUnsafeBytes { bytes in
                                if let found = dd.match(bytes, scratch: scratch) { checksum += found.time ?? 0 }
                            }
                        }
                        clock_gettime(CLOCK_MONOTONIC, &end)
                        let nanoseconds = Double(end.tv_sec - start.tv_sec) * 1e9 + Double(end.tv_nsec - start.tv_nsec)
                        print(String(format: "bench %-45@ %-10@ %7.1f ns/line  (%d lines, checksum %.0f)", name as NSString, clockName as NSString, nanoseconds / Double(runs), runs, checksum))
                    }
                }
            }
        }
    }
}
