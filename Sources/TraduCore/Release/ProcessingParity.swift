/// Whether a promotion target will run what its source validated: for every pipeline, the target's effective
/// processing spec (the fields that decide the output) must equal the source's, field by field, unless the
/// target's `promotion.allowDifferences` names the field. Operational fields are not part of a processing spec,
/// so they may differ freely.
public enum ProcessingParity {
    public struct Difference: Sendable, Hashable {
        public var pipeline: String
        /// Dotted path, e.g. `engine.model`; `pipeline` when the pipeline exists on one side only.
        public var field: String
        public var source: JSONValue?
        public var target: JSONValue?
        public var allowed: Bool

        public init(pipeline: String, field: String, source: JSONValue?, target: JSONValue?, allowed: Bool) {
            self.pipeline = pipeline
            self.field = field
            self.source = source
            self.target = target
            self.allowed = allowed
        }
    }

    /// Every difference, sorted by pipeline and field. `source` and `target` map pipeline names to their
    /// processing specs.
    public static func compare(
        source: [String: ProcessingSpec], target: [String: ProcessingSpec], allowed: [String]
    ) -> [Difference] {
        var differences: [Difference] = []
        // A pipeline the target does not run needs no parity; one the source never ran was never validated.
        for name in target.keys.sorted() {
            guard let from = source[name], let to = target[name] else {
                differences.append(
                    Difference(
                        pipeline: name, field: "pipeline", source: nil, target: .string("present"), allowed: false))
                continue
            }
            for change in JSONDiff.changes(from: from.json, to: to.json) {
                let isAllowed = allowed.contains { change.path == $0 || change.path.hasPrefix($0 + ".") }
                differences.append(
                    Difference(
                        pipeline: name, field: change.path, source: change.old, target: change.new, allowed: isAllowed))
            }
        }
        return differences
    }
}
