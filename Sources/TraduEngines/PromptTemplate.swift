/// The system prompt of an `openai` engine: the engine's `prompt` (or a default) with `{{sourceLanguage}}`
/// and `{{targetLanguage}}` filled in, followed by the answer format the engine parses.
enum PromptTemplate {
    static let defaultPrompt = """
        You are a professional translator. Translate the text of each segment from {{sourceLanguage}} to \
        {{targetLanguage}}. Keep every placeholder (such as {name}, {0}, %s or %1$d), HTML or XML tag and \
        character entity (such as &amp;) exactly as written, and translate only the text around them. Do not \
        add explanations.
        """

    /// Always appended, so a custom prompt cannot break the exchange.
    static let answerFormat = """
        The user message is a JSON object {"segments":[{"id":"...","text":"..."}]}. Answer with only a JSON \
        object {"translations":[{"id":"...","text":"..."}]} holding one entry per segment, with the same ids \
        and no other entries.
        """

    /// With `responseFormat: text`: the user message is the text itself.
    static let textAnswerFormat = """
        The user message is the text to translate. Answer with only its translation, without quotes, notes or \
        explanations.
        """

    static func textSystemMessage(prompt: String?, sourceLanguage: String, targetLanguage: String) -> String {
        let values = ["sourceLanguage": sourceLanguage, "targetLanguage": targetLanguage]
        return render(prompt ?? defaultPrompt, values) + "\n\n" + textAnswerFormat
    }

    static func systemMessage(prompt: String?, sourceLanguage: String, targetLanguage: String) -> String {
        let values = ["sourceLanguage": sourceLanguage, "targetLanguage": targetLanguage]
        return render(prompt ?? defaultPrompt, values) + "\n\n" + answerFormat
    }

    /// Replaces each `{{name}}` (spaces allowed inside the braces) whose name is in `values`; anything else is
    /// kept as written (manifest validation already rejects unknown variables).
    static func render(_ template: String, _ values: [String: String]) -> String {
        var output = ""
        var rest = Substring(template)
        while let open = rest.firstRange(of: "{{") {
            output += rest[..<open.lowerBound]
            guard let close = rest[open.upperBound...].firstRange(of: "}}") else {
                rest = rest[open.lowerBound...]
                break
            }
            let name = rest[open.upperBound..<close.lowerBound].filter { $0 != " " }
            output += values[name] ?? String(rest[open.lowerBound..<close.upperBound])
            rest = rest[close.upperBound...]
        }
        return output + rest
    }
}
