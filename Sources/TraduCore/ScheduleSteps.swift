/// A cycle's scheduling quotas cut into steps, each enqueued and committed on its own.
///
/// Enqueueing 20,000 blocks in one statement holds them all invisible to workers until it commits (about a
/// second of one core): workers wait, and the other core idles. In steps of a few thousand, workers claim the
/// first blocks while the controller enqueues the next. Each pipeline's quota is spread evenly over the steps,
/// so the rotator's shares hold within every step.
public enum ScheduleSteps {
    /// Steps of about `maxPerStep` blocks (at most one more per pipeline), whose quotas sum to `quotas`.
    /// Pipelines with no quota are left out; no step is empty.
    ///
    /// `firstStep`, when smaller, bounds the first step (each pipeline gets its proportional share of it): idle
    /// workers wait for the first commit, and a step of 2,000 takes about 50 ms to enqueue where 250 take 7.
    public static func split(_ quotas: [String: Int], maxPerStep: Int, firstStep: Int? = nil) -> [[String: Int]] {
        let positive = quotas.filter { $0.value > 0 }
        let total = positive.values.reduce(0, +)
        guard total > 0 else { return [] }
        let perStep = max(1, maxPerStep)
        guard let firstStep, firstStep > 0, firstStep < perStep, total > firstStep else {
            return even(positive, total: total, perStep: perStep)
        }
        var first: [String: Int] = [:]
        var rest = positive
        for (pipeline, quota) in positive {
            let share = firstStep * quota / total
            if share > 0 {
                first[pipeline] = share
                rest[pipeline] = quota - share
            }
        }
        let remaining = rest.filter { $0.value > 0 }
        return (first.isEmpty ? [] : [first]) + even(remaining, total: remaining.values.reduce(0, +), perStep: perStep)
    }

    /// `positive` (summing to `total`) in steps of at most about `perStep`, each pipeline spread evenly.
    private static func even(_ positive: [String: Int], total: Int, perStep: Int) -> [[String: Int]] {
        guard total > 0 else { return [] }
        let count = (total + perStep - 1) / perStep
        var steps = [[String: Int]](repeating: [:], count: count)
        for (pipeline, quota) in positive {
            for index in 0..<count {
                let share = (index + 1) * quota / count - index * quota / count
                if share > 0 { steps[index][pipeline] = share }
            }
        }
        return steps.filter { !$0.isEmpty }
    }
}
