import Foundation
import Testing
import TraduCore

@Suite struct CivilDateTests {
    @Test func daysSince1970OfKnownDates() {
        #expect(CivilDate(year: 1970, month: 1, day: 1).daysSince1970 == 0)
        #expect(CivilDate(year: 1969, month: 12, day: 31).daysSince1970 == -1)
        #expect(CivilDate(year: 2000, month: 2, day: 29).daysSince1970 == 11_016)
        #expect(CivilDate(year: 2000, month: 3, day: 1).daysSince1970 == 11_017)
        #expect(
            CivilDate(year: 2100, month: 3, day: 1).daysSince1970
                - CivilDate(year: 2100, month: 2, day: 28).daysSince1970 == 1)
        #expect(CivilDate(year: 1600, month: 1, day: 1).daysSince1970 == -135_140)
    }

    @Test func daysSince1970AgreesWithFoundationDayByDay() {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        var date = calendar.date(from: DateComponents(year: 1899, month: 12, day: 25))!
        for _ in 0..<40_000 {
            let parts = calendar.dateComponents([.year, .month, .day], from: date)
            let days = CivilDate(year: Int64(parts.year!), month: Int64(parts.month!), day: Int64(parts.day!))
                .daysSince1970
            #expect(Double(days) * 86_400 == date.timeIntervalSince1970)
            date = calendar.date(byAdding: .day, value: 1, to: date)!
        }
    }
}
