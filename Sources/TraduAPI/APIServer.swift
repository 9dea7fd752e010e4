import Hummingbird
import Logging
import TraduApp

/// `tradu serve`: the HTTP API and the web console for one or more environments, on Hummingbird 2. Binds 127.0.0.1 by default; TLS is
/// left to a reverse proxy in front (which may serve it under `basePath`). SIGTERM and SIGINT drain it through
/// swift-service-lifecycle.
public struct APIServer: Sendable {
    public struct Settings: Sendable {
        public var host = "127.0.0.1"
        public var port = 8080
        /// `/tradu` behind a proxy that forwards that prefix; empty at the root.
        public var basePath = ""
        public var publicRead = false
        public var tokens = AccessTokens.none
        /// Every statement a request runs is cut off past it, so no request holds a connection for long.
        public var statementTimeout = Duration.seconds(5)
        /// Connections kept open per environment between requests (more are opened under load, then closed).
        public var connectionsPerEnvironment = 4

        public init() {}
    }

    public var services: [String: OperatorService]
    public var settings: Settings
    public var logger: Logger
    /// The live feeds behind `/api/v1/events`: one reader per environment, however many clients.
    let events: EventStream
    /// The console's sign-in sessions, signed with a key drawn when the server starts.
    let sessions: ConsoleSessions

    public init(services: [String: OperatorService], settings: Settings, logger: Logger) {
        let services = services.mapValues { service in
            var service = service
            service.statementTimeout = settings.statementTimeout
            service.pool = service.makePool(capacity: settings.connectionsPerEnvironment)
            return service
        }
        self.services = services
        self.settings = settings
        self.logger = logger
        self.events = EventStream(services: services)
        self.sessions = ConsoleSessions(tokens: settings.tokens)
    }

    /// The application `run` serves: the router, and the event feeds as a service (tests run it live).
    public func application(onListening: @escaping @Sendable (Int) async -> Void = { _ in }) -> some ApplicationProtocol
    {
        Application(
            router: router(),
            configuration: .init(address: .hostname(settings.host, port: settings.port), serverName: nil),
            services: [events], onServerRunning: { channel in await onListening(channel.localAddress?.port ?? 0) },
            logger: logger)
    }

    /// The router with every route and middleware: what `run` serves and what route tests call in process.
    public func router() -> Router<APIContext> {
        let router = Router(context: APIContext.self)
        let basePath = Self.normalized(settings.basePath)
        let routes = APIRoutes.all.map { route in
            let parts = route.split(separator: " ", maxSplits: 1)
            return (String(parts[0]), (basePath + String(parts[1])).split(separator: "/"))
        }
        router.add(
            middleware: APIMiddleware(
                tokens: settings.tokens, publicRead: settings.publicRead, logger: logger, routes: routes,
                basePath: basePath))
        APIRoutes(services: services, events: events).register(on: router, basePath: basePath)
        let root = basePath.isEmpty ? router.group() : router.group(RouterPath(basePath))
        ConsoleRoutes(
            services: services, sessions: sessions, basePath: basePath, publicRead: settings.publicRead,
            logger: logger
        ).register(on: root)
        return router
    }

    /// Serves until SIGTERM or SIGINT; `onListening` gets the bound port (for `--addr 127.0.0.1:0`).
    public func run(onListening: @escaping @Sendable (Int) async -> Void = { _ in }) async throws {
        try await application(onListening: onListening).runService()
    }

    /// `/tradu/` → `/tradu`; `/` → empty.
    static func normalized(_ basePath: String) -> String {
        var path = basePath
        while path.hasSuffix("/") { path.removeLast() }
        if !path.isEmpty, !path.hasPrefix("/") { path = "/" + path }
        return path
    }
}
