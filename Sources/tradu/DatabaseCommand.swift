import ArgumentParser
import Logging
import TraduApp
import TraduCore

struct DatabaseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "db",
        abstract: "The embedded PostgreSQL and schema migrations.",
        subcommands: [Up.self, Down.self, Status.self, URL.self, Migrate.self]
    )

    struct Up: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Initialise (first time) and start the embedded PostgreSQL; print its URL.")
        @OptionGroup var global: GlobalOptions

        func run() async throws {
            let (resolver, logger) = global.bootstrap(command: "db up")
            try requireEmbedded(resolver, "db up")
            let url = try await reporting { try await resolver.embeddedDatabase(logger: logger).up() }
            Console.out(url)
        }
    }

    struct Down: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Stop the embedded PostgreSQL.")
        @OptionGroup var global: GlobalOptions

        func run() async throws {
            let (resolver, logger) = global.bootstrap(command: "db down")
            try requireEmbedded(resolver, "db down")
            let stopped = try await reporting { try await resolver.embeddedDatabase(logger: logger).down() }
            Console.out(stopped ? "stopped" : "not running")
        }
    }

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show whether the embedded PostgreSQL runs.")
        @OptionGroup var global: GlobalOptions
        @Option(name: [.customShort("o"), .customLong("output")], help: "text or json.")
        var output: OutputFormat = .text

        func run() async throws {
            let (resolver, logger) = global.bootstrap(command: "db status")
            try requireEmbedded(resolver, "db status")
            let status = try await reporting { try resolver.embeddedDatabase(logger: logger).status() }
            switch output {
            case .json: Console.out(status.json.encoded(pretty: true))
            case .text: Console.out(status.text)
            }
        }
    }

    struct URL: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "url", abstract: "Print the database URL tradu uses.")
        @OptionGroup var global: GlobalOptions

        func run() async throws {
            let (resolver, logger) = global.bootstrap(command: "db url")
            if let explicit = resolver.explicitURL {
                Console.out(explicit)
                return
            }
            Console.out(try await reporting { try resolver.embeddedDatabase(logger: logger).url() })
        }
    }

    struct Migrate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Apply pending schema migrations to each environment's schema.",
            discussion: "Without -e, every Environment declared in the manifests is migrated.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var manifests: ManifestOptions
        @Option(name: [.customShort("e"), .customLong("env")], help: "Migrate only this environment.")
        var environment: String?

        func run() async throws {
            let (resolver, logger) = global.bootstrap(command: "db migrate")
            let environments = try loadEnvironments(directory: manifests.directory, only: environment)
            let outcomes = try await reporting {
                try await DatabaseMigration(resolver: resolver, logger: logger).migrate(environments)
            }
            for outcome in outcomes {
                let applied =
                    outcome.applied.isEmpty
                    ? "up to date"
                    : "applied "
                        + outcome.applied.map { "\($0.version) (\($0.name))" }
                        .joined(separator: ", ")
                Console.out("\(outcome.environment) (schema \(outcome.schema)): \(applied); version \(outcome.version)")
            }
        }
    }
}

/// The Environments of the manifests (all, or the one named), or the manifests' errors.
func loadEnvironments(directory: String, only name: String?) throws -> [EnvironmentConfig] {
    let validation = ManifestValidation(directory: directory, environment: name)
    guard validation.isValid else {
        for diagnostic in validation.diagnostics { Console.error(diagnostic.description) }
        throw ExitCode(1)
    }
    return validation.compiled.environments.keys.sorted().compactMap {
        validation.compiled.environments[$0]?.environment
    }
}

func requireEmbedded(_ resolver: DatabaseResolver, _ command: String) throws {
    guard resolver.usesEmbedded else {
        Console.error(
            "error: `tradu \(command)` manages the embedded PostgreSQL, but a database URL is set"
                + " (--database-url or TRADU_DATABASE_URL)")
        throw ExitCode(1)
    }
}
