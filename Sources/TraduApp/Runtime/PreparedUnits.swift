import TraduCore
import TraduStore

/// A claimed block's units and their translation-memory keys (one per unit, in order).
struct PreparedUnits: Sendable {
    var units: TranslationUnits
    var keys: [String]

    init(_ block: ClaimedBlock, runtime: PipelineRuntime) throws(BlockFailure) {
        units = try BlockProcessor.units(of: block, segmentation: runtime.pipeline.segmentation)
        keys = units.units.map { runtime.memoryKey($0.text, target: block.targetLanguage) }
    }
}
