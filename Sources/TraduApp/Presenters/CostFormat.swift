/// Money and token counts for people.
public enum CostFormat {
    /// `12.34 USD` (two decimals; four under a cent, so small test spends do not read as zero).
    public static func money(_ micros: Int64, _ currency: String) -> String {
        let value = Double(micros) / 1_000_000
        let digits = value != 0 && abs(value) < 0.01 ? 4 : 2
        let factor = digits == 4 ? 10_000.0 : 100.0
        let rounded = (value * factor).rounded() / factor
        var text = String(rounded)
        let decimals = text.split(separator: ".").last.map(\.count) ?? 0
        if !text.contains(".") { text += "." }
        text += String(repeating: "0", count: max(0, digits - decimals))
        return currency.isEmpty ? text : "\(text) \(currency)"
    }
}
