/// The JSON lines exchanged with a `command` engine's program.
enum CommandWire {
    /// One line on the program's stdin per segment.
    struct Input: Encodable {
        var id: String
        var text: String
        var sourceLanguage: String
        var targetLanguage: String
        /// The engine's prompt, with its variables filled in, when it has one.
        var prompt: String?
    }

    /// One line on the program's stdout per segment.
    struct Output: Decodable {
        var id: String
        var text: String
        /// Tokens the program's model counted for this segment, when it reports them.
        var inputTokens: Int?
        var outputTokens: Int?
    }
}
