/// A cycle's scheduling quotas cut into steps, each enqueued and committed on its own.
///
/// Enqueueing 20,000 blocks in one statement holds them all invisible to workers until it commits (about a
/// second of one core): workers wait, and the other core idles. In steps of a few thousand, workers claim the
/// first blocks while the controller enqueues the next. Each pipeline's quota is spread evenly over the steps,
/// so the rotator's shares hold within every step.
public enum ScheduleSteps {
    /// Steps of about `maxPerStep` blocks (at most one more per pipeline), whose quotas sum to `quotas`.
    /// Pipelines with no quota are left out; no step is empty.
    public static func split(_ quotas: [String: Int], maxPerStep: Int) -> [[String: Int]] {
        let positive = quotas.filter { $0.value > 0 }
        let total = positive.values.reduce(0, +)
        guard total > 0 else { return [] }
        let perStep = max(1, maxPerStep)
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
