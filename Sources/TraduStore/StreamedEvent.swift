/// What the API's stream filters a block's events by: fixed for the block's life (its id hashes both).
public struct BlockLabel: Sendable, Hashable {
    public var pipeline: String
    public var targetLanguage: String

    public init(pipeline: String, targetLanguage: String) {
        self.pipeline = pipeline
        self.targetLanguage = targetLanguage
    }
}

/// A block event as the API's stream reads it: with the block's labels when the event carries them (the event
/// that schedules a block does, see `StoreMigrations.eventLabels`).
public struct StreamedEvent: Sendable, Hashable {
    public var event: BlockEvent
    public var label: BlockLabel?

    public init(event: BlockEvent, label: BlockLabel?) {
        self.event = event
        self.label = label
    }
}
