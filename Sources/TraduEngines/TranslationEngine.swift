import TraduCore

/// The port through which workers translate: one implementation per `Engine.Kind`, made by `EngineFactory`.
///
/// Engines do not check placeholders and tags (the worker does, with `SegmentProtection`), but they return
/// a translation for every segment id they were given, and nothing else, or throw a `data` failure.
public protocol TranslationEngine: Sendable {
    /// Translates a batch; throws a classified BlockFailure (capacity, dependency, data, infrastructure, logic).
    func translate(_ request: TranslationRequest) async throws(BlockFailure) -> TranslationResponse
}
