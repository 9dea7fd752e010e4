/// The median and range of one figure over several runs: what a series reports, since single runs on a shared
/// machine vary by ±10% to ±25%.
struct Spread {
    var median: Double
    var min: Double
    var max: Double

    init(_ values: [Double]) {
        let sorted = values.sorted()
        median =
            sorted.isEmpty
            ? 0
            : sorted.count % 2 == 1
                ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
        min = sorted.first ?? 0
        max = sorted.last ?? 0
    }

    /// "median unit [min .. max]", each number in `format`.
    func text(_ format: String, unit: String = "") -> String {
        String(format: format, median) + unit + " [" + String(format: format, min) + " .. "
            + String(format: format, max) + "]"
    }

    var json: [String: Any] { ["median": median, "min": min, "max": max] }
}
