/// What one engine segment is: a whole document, or a sentence of one (DESIGN §4, "Translation memory").
///
/// Part of the processing spec: it changes what the engine sees, so changing it reprocesses the pipeline (or
/// rolls out, with `rollout:`).
public enum Segmentation: String, Sendable, Hashable, CaseIterable {
    /// Each document is one segment: the memory saves only documents seen before, whole.
    case document
    /// Each document is split into sentences (`SentenceSplitter`); the engine sees only sentences the
    /// environment's memory does not hold, and documents are reassembled byte for byte around the translations.
    case sentence
}
