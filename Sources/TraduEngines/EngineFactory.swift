import TraduCore
import TraduHTTP

/// Makes the `TranslationEngine` for an `Engine` manifest.
public enum EngineFactory {
    /// - Parameters:
    ///   - environment: the process environment; `apiKeyFrom` variables are read from it, and `command`
    ///     engines run with it.
    /// - Throws: a `logic` failure when the engine cannot work as configured, such as an `apiKeyFrom` variable
    ///   that is not set (the message names the variable, never a value).
    public static func make(_ engine: Engine, environment: [String: String], httpClient: HTTPClient)
        throws(BlockFailure) -> any TranslationEngine
    {
        switch engine.kind {
        case .pseudo:
            return PseudoEngine()
        case .openai:
            guard let model = engine.model, !model.isEmpty else {
                throw BlockFailure(.logic, "engine '\(engine.name)': spec.model is required for an openai engine")
            }
            var apiKey: SecretValue?
            if let reference = engine.apiKey {
                let variable = reference.environmentVariable
                guard let value = environment[variable], !value.isEmpty else {
                    throw BlockFailure(
                        .logic,
                        "engine '\(engine.name)': environment variable \(variable) (spec.apiKeyFrom) is not set")
                }
                apiKey = SecretValue(value)
            }
            return OpenAIEngine(engine, model: model, apiKey: apiKey, httpClient: httpClient)
        case .command:
            guard let command = engine.command, let program = command.first, !program.isEmpty else {
                throw BlockFailure(.logic, "engine '\(engine.name)': spec.command is required for a command engine")
            }
            return CommandEngine(
                engine, program: program, arguments: Array(command.dropFirst()), environment: environment)
        }
    }
}
