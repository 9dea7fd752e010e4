import Testing

@testable import TraduCore

@Suite struct DurationAndSizeTests {
    @Test(arguments: [
        ("500ms", Int64(500)), ("2s", 2000), ("1.5s", 1500), ("5m", 300_000), ("1h", 3_600_000), ("0s", 0),
        ("30d", 2_592_000_000),
    ])
    func parsesDurations(text: String, milliseconds: Int64) {
        #expect(DurationValue(parsing: text)?.milliseconds == milliseconds)
    }

    @Test(arguments: ["", "5", "5 s", "s", "1.s", ".5s", "5sec", "-1s", "1D", "1 d", "1.0001ms", "1e3s", "5M"])
    func rejectsBadDurations(text: String) {
        #expect(DurationValue(parsing: text) == nil)
    }

    @Test func durationsPrintTheirShortestExactForm() {
        #expect(DurationValue(milliseconds: 3_600_000).description == "1h")
        #expect(DurationValue(milliseconds: 90_000).description == "90s")
        #expect(DurationValue(milliseconds: 1500).description == "1500ms")
        #expect(DurationValue(milliseconds: 0).description == "0s")
    }

    @Test(arguments: [("512B", Int64(512)), ("256KiB", 262_144), ("1MiB", 1_048_576), ("2GiB", 2_147_483_648)])
    func parsesSizes(text: String, bytes: Int64) {
        #expect(ByteSize(parsing: text)?.bytes == bytes)
    }

    @Test(arguments: ["1MB", "1 MiB", "MiB", "1.5MiB", "-1KiB", "1kib", "10", "9999999999999GiB"])
    func rejectsBadSizes(text: String) {
        #expect(ByteSize(parsing: text) == nil)
    }
}
