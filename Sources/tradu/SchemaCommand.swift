import ArgumentParser
import TraduApp
import TraduCore

struct SchemaCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schema",
        abstract: "Print the JSON Schema of a kind (or of every kind), as schemas/ holds them."
    )

    @Argument(help: "Dataset, Engine, RetryPolicy, Pipeline or Environment; all when omitted.")
    var kind: String?

    @Option(name: .customLong("write"), help: "Write every schema into this folder (schemas/) instead of printing.")
    var directory: String?

    @OptionGroup var global: GlobalOptions

    func run() throws {
        _ = global.bootstrap(command: "schema")
        if let directory {
            for kind in ManifestKind.allCases {
                try SchemaFiles.write(kind, to: directory)
            }
            return
        }
        guard let kind else {
            let all = JSONValue.object(
                ManifestKind.allCases.map { ($0.rawValue, JSONSchemaGenerator.schema(for: $0)) })
            Console.out(all.encoded(pretty: true))
            return
        }
        guard let known = ManifestKind(caseInsensitive: kind) else {
            throw ValidationError(
                "unknown kind '\(kind)'" + Suggestion.didYouMean(kind, in: ManifestKind.allCases.map(\.rawValue)))
        }
        Console.out(JSONSchemaGenerator.schema(for: known).encoded(pretty: true))
    }
}
