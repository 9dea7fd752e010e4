/// The key of one translation-memory entry: the unit's text, the languages, and the identity of the engine
/// settings that decide the output. Workers look entries up by it; erasing a document finds the entries its text
/// produced by it (the table holds no text to search).
public enum TranslationMemoryKey {
    /// The identity of an engine's output-deciding settings: its spec as canonical JSON, hashed.
    public static func engineSpecHash(_ spec: ProcessingSpec) -> String {
        ContentHash.hex(of: (spec.json["engine"] ?? .null).encoded(sortedKeys: true))
    }

    public static func make(engineSpecHash: String, sourceLanguage: String, target: String, text: String) -> String {
        ContentHash.hex(of: "tm/v1\u{0}\(engineSpecHash)\u{0}\(sourceLanguage)\u{0}\(target)\u{0}\(text)")
    }

    /// Every key a document's text can have produced under `pipeline` (one per unit and target language).
    public static func keys(
        documentID: String, text: String, pipeline: Pipeline, engineSpecHash: String, sourceLanguage: String
    ) -> Set<String> {
        let units = TranslationUnits([(documentID, text)], segmentation: pipeline.segmentation)
        var keys: Set<String> = []
        for unit in units.units {
            for target in pipeline.targetLanguages {
                keys.insert(
                    make(
                        engineSpecHash: engineSpecHash, sourceLanguage: sourceLanguage, target: target, text: unit.text)
                )
            }
        }
        return keys
    }
}
