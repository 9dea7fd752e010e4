import Testing

@testable import TraduStore

@Suite struct PostgresTimestampTests {
    @Test func isoTextInUTCBecomesRFC3339WithMillisecondsTruncated() {
        let cases: [(String, String)] = [
            ("2026-12-04 15:53:35.777123+00", "2026-12-04T15:53:35.777Z"),
            ("2026-12-04 15:53:35.777999+00", "2026-12-04T15:53:35.777Z"),
            ("2026-12-04 15:53:35.7+00", "2026-12-04T15:53:35.700Z"),
            ("2026-12-04 15:53:35.05+00", "2026-12-04T15:53:35.050Z"),
            ("2026-12-04 15:53:35+00", "2026-12-04T15:53:35.000Z"),
            ("0001-01-01 00:00:00.000001+00", "0001-01-01T00:00:00.000Z"),
        ]
        for (text, expected) in cases {
            #expect(PostgresTimestamp.rfc3339Milliseconds(text) == expected, "\(text)")
        }
    }

    @Test func anyOtherStyleOrZoneIsRefused() {
        for text in [
            "2026-12-04 15:53:35.777+01", "2026-12-04T15:53:35.777+00", "12/04/2026 15:53:35.777 UTC",
            "Fri 04 Dec 15:53:35.777 2026 UTC", "2026-12-04 15:53:35.+00", "2026-12-04 15:53:35.7x+00",
            "12026-12-04 15:53:35+00", "2026-12-04 15:53:35", "",
        ] {
            #expect(PostgresTimestamp.rfc3339Milliseconds(text) == nil, "\(text)")
        }
    }
}
