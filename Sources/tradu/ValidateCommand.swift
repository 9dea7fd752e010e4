import ArgumentParser
import TraduApp
import TraduCore

struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check the manifests and report every error at once.",
        discussion:
            "Without -e, every declared environment is checked with its overrides. Exit 0 when valid, 1 when not."
    )

    @OptionGroup var manifests: ManifestOptions

    @Option(name: [.customShort("e"), .customLong("env")], help: "Check only this environment.")
    var environment: String?

    @Option(name: [.customShort("o"), .customLong("output")], help: "text or json.")
    var output: OutputFormat = .text

    @OptionGroup var global: GlobalOptions

    func run() throws {
        _ = global.bootstrap(command: "validate")
        let validation = ManifestValidation(directory: manifests.directory, environment: environment)
        switch output {
        case .json:
            Console.out(validation.json.encoded(pretty: true))
        case .text:
            for diagnostic in validation.diagnostics { Console.error(diagnostic.description) }
            let problems = validation.diagnostics
            let errors = problems.filter { $0.severity == .error }.count
            if errors == 0 {
                let environments = validation.compiled.environments.keys.sorted().joined(separator: ", ")
                Console.out(
                    "Valid: \(validation.compiled.objects.count) objects in \(validation.loaded.files.count) files"
                        + (environments.isEmpty ? "." : " (environments: \(environments))."))
            } else {
                Console.error("\(errors) error\(errors == 1 ? "" : "s") in \(manifests.directory)")
            }
        }
        if !validation.isValid { throw ExitCode(1) }
    }
}
