import Foundation
import TraduApp
import TraduCore

/// Small pieces of text and markup the console's pages share.
enum ConsoleFormat {
    /// `12,480`.
    static func count(_ value: Int) -> String { NumberFormat.grouped(value) }

    /// `850 ms`, `12.4 s`, `3 min 20 s`, `2 h 05 min`.
    static func duration(seconds: Double) -> String {
        if seconds < 1 { return "\(Int((seconds * 1000).rounded())) ms" }
        if seconds < 60 { return String(format: "%.1f s", seconds) }
        let whole = Int(seconds.rounded())
        if whole < 3600 { return "\(whole / 60) min \(whole % 60) s" }
        return "\(whole / 3600) h " + String(format: "%02d min", (whole % 3600) / 60)
    }

    /// A state as a badge whose colour and text both say it (colour is never the only sign).
    static func state(_ name: String) -> HTML {
        "<span class=\"state state-\(name)\">\(name.replacingOccurrences(of: "_", with: " "))</span>"
    }

    /// A condition as `Ready`, marked good, bad or neutral by its type and status.
    static func condition(_ condition: JSONValue) -> HTML {
        let type = condition["type"]?.stringValue ?? "?"
        let status = condition["status"]?.stringValue ?? "Unknown"
        let bad = ["Degraded", "DatabaseDegraded", "BudgetExhausted", "Paused"].contains(type)
        let tone = status != "True" ? "off" : bad ? "bad" : "good"
        let message = condition["message"]?.stringValue ?? ""
        let reason = condition["reason"]?.stringValue ?? ""
        return """
            <li class="condition condition-\(tone)" title="\(message)"><span class="condition-type">\(type)=\(status)</span> <span class="condition-reason">\(reason)</span><span class="visually-hidden">: \(message)</span></li>
            """
    }

    /// A value from a JSON object as text: strings as they are, numbers and booleans written out, null as "—".
    static func text(_ value: JSONValue?) -> String {
        switch value {
        case .none, .some(.null): "—"
        case .some(.string(let text)): text
        case .some(.int(let number)): count(number)
        case .some(.double(let number)):
            number == number.rounded() && abs(number) < 1e15 ? count(Int(number)) : String(format: "%.4g", number)
        case .some(.bool(let flag)): flag ? "yes" : "no"
        case .some(let other): other.encoded()
        }
    }

    /// A list of JSON objects as a table: one column per key, in the order the keys first appear.
    static func table(_ items: [JSONValue], caption: String) -> HTML {
        var keys: [String] = []
        for item in items {
            if case .object(let fields) = item {
                for (key, _) in fields where !keys.contains(key) { keys.append(key) }
            }
        }
        guard !items.isEmpty else { return HTML.empty }
        let head: [HTML] = keys.map { "<th scope=\"col\">\($0)</th>" }
        let rows: [HTML] = items.map { item in
            let cells: [HTML] = keys.map { key in
                if key == "passed", case .bool(let passed)? = item[key] {
                    return
                        "<td>\(passed ? HTML("<span class=\"pass\">passed</span>") : HTML("<span class=\"fail\">failed</span>"))</td>"
                }
                // A list of objects inside (a rollout analysis's figures) is a table of its own.
                if case .array(let inner)? = item[key], !inner.isEmpty,
                    inner.allSatisfy({ if case .object = $0 { true } else { false } })
                {
                    return "<td>\(table(inner, caption: key))</td>"
                }
                return "<td>\(text(item[key]))</td>"
            }
            return "<tr>\(cells)</tr>"
        }
        return "<table><caption>\(caption)</caption><thead><tr>\(head)</tr></thead><tbody>\(rows)</tbody></table>"
    }

    /// Seconds since 1970 of `2026-11-28T10:36:12.731Z` or `2026-11-28T10:36:12Z` (UTC, as the store writes
    /// them); nil for anything else.
    static func seconds(_ iso: String) -> Double? {
        let bytes = Array(iso.utf8)
        guard bytes.count >= 20, bytes.last == UInt8(ascii: "Z") else { return nil }
        func number(_ from: Int, _ length: Int) -> Int? {
            var value = 0
            for index in from..<(from + length) {
                let byte = bytes[index]
                guard byte >= 48, byte <= 57 else { return nil }
                value = value * 10 + Int(byte - 48)
            }
            return value
        }
        guard let year = number(0, 4), let month = number(5, 2), let day = number(8, 2), let hour = number(11, 2),
            let minute = number(14, 2), let second = number(17, 2), (1...12).contains(month)
        else { return nil }
        var fraction = 0.0
        if bytes.count > 21, bytes[19] == UInt8(ascii: "."), let digits = number(20, bytes.count - 21) {
            fraction = Double(digits) / pow(10, Double(bytes.count - 21))
        }
        let days = Int(CivilDate(year: Int64(year), month: Int64(month), day: Int64(day)).daysSince1970)
        return Double(days * 86_400 + hour * 3600 + minute * 60 + second) + fraction
    }

    /// A timestamp in a `<time>` element, shown as the database wrote it (UTC).
    static func time(_ iso: String?) -> HTML {
        guard let iso else { return "—" }
        let shown = iso.replacingOccurrences(of: "T", with: " ").replacingOccurrences(of: "Z", with: " UTC")
        return "<time datetime=\"\(iso)\">\(shown)</time>"
    }
}
