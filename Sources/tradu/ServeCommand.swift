import ArgumentParser
import Foundation
import TraduAPI
import TraduApp

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the HTTP API (api/openapi.yaml) for one or more environments, until SIGTERM.",
        discussion: """
            Binds 127.0.0.1:8080 by default. Reads need a bearer token from --tokens unless --public-read; actions \
            need the operate role. Put TLS in a reverse proxy in front, and give its path prefix as --base-path.
            """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var manifests: ManifestOptions
    @Option(name: [.customShort("e"), .customLong("env")], help: "An environment to serve (repeatable).")
    var environments: [String]
    @Option(help: "HOST:PORT to listen on (port 0: any free port, printed at start).") var addr = "127.0.0.1:8080"
    @Option(help: "The path prefix a reverse proxy forwards, e.g. /tradu.") var basePath = ""
    @Option(help: "The tokens file: named identities, each with its token's SHA-256 and a role (read or operate).")
    var tokens: String?
    @Flag(help: "Allow reads without a token (actions still need one).") var publicRead = false

    func validate() throws {
        if environments.isEmpty { throw ValidationError("give at least one environment: -e ENV") }
        if tokens == nil, !publicRead {
            throw ValidationError("give --tokens FILE, or --public-read to serve reads without tokens")
        }
    }

    func run() async throws {
        let (resolver, logger) = global.bootstrap(command: "serve")
        var services: [String: OperatorService] = [:]
        for environment in environments {
            services[environment] = try await reporting {
                try await OperatorService.locate(
                    directory: manifests.directory, environment: environment, resolver: resolver, logger: logger)
            }
        }
        var settings = APIServer.Settings()
        guard let (host, port) = OpsServer.address(addr) else {
            throw ValidationError("--addr '\(addr)' is not HOST:PORT (e.g. 127.0.0.1:8080)")
        }
        settings.host = host
        settings.port = port
        settings.basePath = basePath
        settings.publicRead = publicRead
        if let tokens { settings.tokens = try await reporting { try AccessTokens.load(path: tokens) } }
        let server = APIServer(services: services, settings: settings, logger: logger)
        try await reporting {
            try await server.run { port in
                Console.out(
                    "Serving the API for \(environments.joined(separator: ", ")) on http://\(host):\(port)\(basePath)")
            }
        }
    }
}
