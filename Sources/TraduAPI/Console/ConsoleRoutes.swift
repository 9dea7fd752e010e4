import Foundation
import Hummingbird
import Logging
import TraduApp
import TraduCore

/// The console's pages and forms at the root of `tradu serve` (under its base path): thin handlers over the same
/// `OperatorService` calls as the API. Actions are recorded in the audit `via: console`, by the signed-in name.
struct ConsoleRoutes {
    let services: [String: OperatorService]
    let sessions: ConsoleSessions
    let basePath: String
    let publicRead: Bool
    let throughput = ThroughputBook()
    let logger: Logger

    /// Every console page as `METHOD /path`, for the route tests.
    static let all = [
        "GET /", "GET /assets/console.css", "GET /assets/console.js", "GET /assets/icon.svg", "GET /sign-in",
        "POST /sign-in",
        "POST /sign-out", "GET /environments/{env}/blocks", "GET /environments/{env}/blocks/{id}",
        "POST /environments/{env}/blocks/{id}/retry", "POST /environments/{env}/blocks/{id}/cancel",
        "POST /environments/{env}/pipelines/{pipeline}/pause",
        "POST /environments/{env}/pipelines/{pipeline}/resume", "GET /environments/{env}/instances",
        "GET /environments/{env}/history",
    ]

    func register(on root: RouterGroup<APIContext>) {
        let middleware = ConsoleMiddleware(
            sessions: sessions, publicRead: publicRead, basePath: basePath, environments: services.keys.sorted(),
            logger: logger)
        let console = root.group().add(middleware: middleware)
        console.get("/") { request, context in
            let frame = middleware.frame(context)
            let content = try await OverviewPage.content(
                frame: frame, services: services, throughput: throughput, now: Date().timeIntervalSince1970)
            if request.uri.queryParameters["fragment"] != nil { return frame.fragment(content) }
            return frame.page(
                title: "Overview", section: .overview, content: content, live: frame.link("/?fragment=1"))
        }
        console.get("assets/console.css") { _, _ in Self.asset(ConsoleAssets.css, type: "text/css; charset=utf-8") }
        console.get("assets/console.js") { _, _ in
            Self.asset(ConsoleAssets.script, type: "text/javascript; charset=utf-8")
        }
        console.get("assets/icon.svg") { _, _ in Self.asset(ConsoleAssets.icon, type: "image/svg+xml") }
        console.get("sign-in") { request, context in
            SignInPage.render(
                frame: middleware.frame(context),
                next: SignInPage.safeNext(request.uri.queryParameters["next"].map(String.init), basePath: basePath))
        }
        console.post("sign-in") { request, context in
            let form = try await Self.form(request)
            let next = SignInPage.safeNext(form["next"], basePath: basePath)
            guard let token = form["token"], let identity = sessions.tokens.identity(token: token) else {
                logger.notice("console sign-in refused", metadata: ["request_id": "\(context.requestID)"])
                return SignInPage.render(
                    frame: middleware.frame(context), next: next,
                    message: "That token is not one of this server's. Nothing was signed in.", status: .unauthorized)
            }
            logger.info(
                "console sign-in",
                metadata: ["request_id": "\(context.requestID)", "identity": "\(identity.name)"])
            let cookie = ConsoleSessions.setCookie(
                sessions.cookieValue(for: identity), path: basePath, lifetime: sessions.lifetime,
                secure: Self.isHTTPS(request))
            return ConsoleMiddleware.redirect(to: next, cookie: cookie)
        }
        console.post("sign-out") { request, context in
            let cookie = ConsoleSessions.setCookie(nil, path: basePath, lifetime: 0, secure: Self.isHTTPS(request))
            return ConsoleMiddleware.redirect(to: basePath + "/", cookie: cookie)
        }
        console.get("environments/:env/blocks") { request, context in
            try await BlocksPage.render(
                frame: middleware.frame(context), service: try service(context), query: request.uri.queryParameters)
        }
        console.get("environments/:env/blocks/:id") { request, context in
            try await BlockPage.render(
                frame: middleware.frame(context), service: try service(context),
                id: context.parameters.get("id") ?? "", query: request.uri.queryParameters)
        }
        console.get("environments/:env/instances") { request, context in
            let frame = middleware.frame(context)
            let service = try service(context)
            let content = try await InstancesPage.content(frame: frame, service: service)
            if request.uri.queryParameters["fragment"] != nil { return frame.fragment(content) }
            return frame.page(
                title: "Instances", environment: service.environment, section: .instances, content: content,
                live: frame.link(environment: service.environment, "instances?fragment=1"))
        }
        console.get("environments/:env/history") { _, context in
            let frame = middleware.frame(context)
            let service = try service(context)
            return frame.page(
                title: "History", environment: service.environment, section: .history,
                content: try await HistoryPage.content(frame: frame, service: service))
        }
        for (name, retry) in [("retry", true), ("cancel", false)] {
            console.post("environments/:env/blocks/:id/\(name)") { request, context in
                let (service, identity, reason) = try await action(request, context)
                let id = context.parameters.get("id") ?? ""
                let count =
                    retry
                    ? try await service.retry(
                        .ids([id]), actor: "console:\(identity.name)", reason: reason, via: "console")
                    : try await service.cancel(
                        .ids([id]), actor: "console:\(identity.name)", reason: reason, via: "console")
                if count == 0 {
                    throw TraduError.rejected("block \(id) is not in a state to \(name) (nothing changed)")
                }
                return ConsoleMiddleware.redirect(
                    to: middleware.frame(context).link(
                        environment: service.environment, "blocks/\(ConsoleFrame.pathSegment(id))"))
            }
        }
        for (name, paused) in [("pause", true), ("resume", false)] {
            console.post("environments/:env/pipelines/:pipeline/\(name)") { request, context in
                let (service, identity, reason) = try await action(request, context)
                _ = try await service.setPaused(
                    paused, pipeline: context.parameters.get("pipeline") ?? "", actor: "console:\(identity.name)",
                    reason: reason, via: "console")
                return ConsoleMiddleware.redirect(to: basePath + "/")
            }
        }
    }

    /// An action's environment, who acts and why: only a signed-in operate identity, with its session's form
    /// token, and a reason.
    private func action(_ request: Request, _ context: APIContext) async throws -> (
        OperatorService, APIIdentity, String
    ) {
        let service = try service(context)
        let form = try await Self.form(request)
        guard let identity = context.identity, let session = context.session else {
            throw Problem(.unauthorized, "Sign in first", "acting needs a signed-in identity with the operate role")
        }
        guard sessions.acceptsFormToken(form["formToken"] ?? "", cookieValue: session) else {
            throw Problem(
                .forbidden, "Forbidden", "the form's token is not this session's; reload the page and try again")
        }
        guard identity.role == .operate else {
            throw Problem(.forbidden, "Forbidden", "\(identity.name) has the read role; this needs operate")
        }
        guard let reason = form["reason"]?.trimmingCharacters(in: .whitespacesAndNewlines), !reason.isEmpty else {
            throw Problem.badRequest("say why: the reason is recorded with your name")
        }
        guard !reason.contains("\u{0}") else { throw Problem.badRequest("the reason contains a NUL character") }
        return (service, identity, reason)
    }

    private func service(_ context: APIContext) throws -> OperatorService {
        try APIRoutes.service(context, in: services)
    }

    /// A form's fields (`application/x-www-form-urlencoded`, at most 64 KiB).
    static func form(_ request: Request) async throws -> [String: String] {
        let buffer = try await request.body.collect(upTo: 64 * 1024)
        let text = String(buffer: buffer)
        var fields: [String: String] = [:]
        for pair in text.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ part: Substring) -> String {
                String(part).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? ""
            }
            fields[decode(parts[0])] = parts.count > 1 ? decode(parts[1]) : ""
        }
        return fields
    }

    static func isHTTPS(_ request: Request) -> Bool {
        request.headers[.init("X-Forwarded-Proto")!]?.lowercased() == "https"
    }

    static func asset(_ text: String, type: String) -> Response {
        Response(
            status: .ok, headers: [.contentType: type, .cacheControl: "max-age=300"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }
}
