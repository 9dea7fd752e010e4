import TraduCore

/// The `Retry-After` header: delay-seconds (`120`) or an HTTP date (`Wed, 21 Oct 2015 07:28:00 GMT`).
enum RetryAfter {
    /// How long to wait, or nil when the header is absent or unreadable. A date in the past is zero.
    /// - Parameter now: the current time as seconds since 1970, for the date form.
    static func parse(_ value: String?, now: Double) -> DurationValue? {
        guard let value else { return nil }
        let text = value.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
        guard !text.isEmpty else { return nil }
        if text.utf8.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }) {
            guard let seconds = Int64(text) else { return nil }
            return seconds <= Int64.max / 1000 ? .seconds(seconds) : nil
        }
        guard let date = imfFixdate(text) else { return nil }
        let delay = max(0, Double(date) - now)
        return DurationValue(milliseconds: Int64(min(delay * 1000, 1e15).rounded(.up)))
    }

    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// Seconds since 1970 of an IMF-fixdate, the form HTTP senders must use: `Sun, 06 Nov 1994 08:49:37 GMT`.
    static func imfFixdate(_ text: String) -> Int64? {
        let parts = text.split(separator: " ")
        guard parts.count == 6, parts[0].hasSuffix(","), parts[5] == "GMT",
            let day = Int64(parts[1]), let monthIndex = months.firstIndex(of: String(parts[2])),
            let year = Int64(parts[3])
        else { return nil }
        let clock = parts[4].split(separator: ":")
        guard clock.count == 3, let hour = Int64(clock[0]), let minute = Int64(clock[1]),
            let second = Int64(clock[2]), (1...31).contains(day), (0...23).contains(hour),
            (0...59).contains(minute), (0...60).contains(second)
        else { return nil }
        let days = CivilDate(year: year, month: Int64(monthIndex) + 1, day: day).daysSince1970
        return days * 86_400 + hour * 3600 + minute * 60 + second
    }
}
