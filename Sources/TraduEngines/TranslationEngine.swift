import TraduCore

/// The port through which workers translate: one implementation per `Engine.Kind`, made by `EngineFactory`.
///
/// Engines do not check placeholders and tags (the worker does, with `SegmentProtection`), but they return
/// a translation for every segment id they were given, and nothing else, or throw a `data` failure.
public protocol TranslationEngine: Sendable {
    /// Translates a batch; throws a classified BlockFailure (capacity, dependency, data, infrastructure, logic).
    func translate(_ request: TranslationRequest) async throws(BlockFailure) -> TranslationResponse
}

/// An engine that can also send its requests through a provider's Batch API (`mode: batch`): it writes a request
/// as one line of the input file, and reads the answer to it from the output file.
public protocol BatchTranslationEngine: TranslationEngine {
    /// One line of a Batch API input file: the request exactly as `translate` would send it, with `customID`.
    func batchLine(_ request: TranslationRequest, customID: String) throws(BlockFailure) -> String
    /// The translations in the answer a batch gave to `request` (its HTTP status and body), or the failure it
    /// means, classified as for a synchronous request.
    func batchAnswer(status: Int, body: [UInt8], for request: TranslationRequest) throws(BlockFailure)
        -> TranslationResponse
}
