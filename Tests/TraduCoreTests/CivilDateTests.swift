import Foundation
import Testing
import TraduCore

@Suite struct CivilDateTests {
    @Test func daysAndDatesRoundTripOverFourHundredYearsAndBefore1970() {
        for days in stride(from: Int64(-800_000), through: 800_000, by: 97) {
            let date = CivilDate(daysSince1970: days)
            #expect(date.daysSince1970 == days, "\(date)")
            #expect((1...12).contains(date.month) && (1...31).contains(date.day))
        }
        #expect(CivilDate(daysSince1970: 0) == CivilDate(year: 1970, month: 1, day: 1))
        #expect(CivilDate(daysSince1970: -1) == CivilDate(year: 1969, month: 12, day: 31))
        #expect(CivilDate(year: 2000, month: 2, day: 29).daysSince1970 == 11_016)
        #expect(CivilDate(daysSince1970: 11_017) == CivilDate(year: 2000, month: 3, day: 1))
        #expect(
            CivilDate(year: 2100, month: 3, day: 1).daysSince1970
                - CivilDate(year: 2100, month: 2, day: 28).daysSince1970 == 1)
    }

    @Test func rfc3339MillisecondsTruncatesLikePostgresToChar() {
        #expect(CivilDate.rfc3339Milliseconds(microsecondsSince1970: 0) == "1970-01-01T00:00:00.000Z")
        #expect(
            CivilDate.rfc3339Milliseconds(microsecondsSince1970: 1_764_860_538_125_999) == "2025-12-04T15:02:18.125Z")
        #expect(CivilDate.rfc3339Milliseconds(microsecondsSince1970: -1) == "1969-12-31T23:59:59.999Z")
        #expect(CivilDate.rfc3339Milliseconds(microsecondsSince1970: 951_782_399_999_999) == "2000-02-28T23:59:59.999Z")
        #expect(CivilDate.rfc3339Milliseconds(microsecondsSince1970: 951_868_800_000_000) == "2000-03-01T00:00:00.000Z")
    }

    @Test func rfc3339MillisecondsAgreesWithFoundation() {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        formatter.timeZone = TimeZone(identifier: "UTC")
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2_000 {
            // Whole milliseconds, so that Foundation's rounding and the truncation agree.
            let milliseconds = Int64.random(in: 0...4_102_444_800_000, using: &generator)
            let expected = formatter.string(from: Date(timeIntervalSince1970: Double(milliseconds) / 1000))
            #expect(CivilDate.rfc3339Milliseconds(microsecondsSince1970: milliseconds * 1000 + 999) == expected)
        }
    }
}
