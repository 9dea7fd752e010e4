import Foundation
import Hummingbird
import Logging
import TraduApp
import TraduCore

/// Every request: a request id (the caller's `X-Request-ID` when it sends a sane one), security headers, the
/// caller's identity and the role the method needs, and any error turned into problem+json. One log line per
/// request with the id, the identity, the status and the time taken.
struct APIMiddleware: RouterMiddleware {
    typealias Context = APIContext

    let tokens: AccessTokens
    let publicRead: Bool
    let logger: Logger
    /// The routes' paths under the base path (`{name}` for a parameter): a known path asked with another method
    /// is answered 405 with `Allow`, not 404.
    let routes: [(method: String, segments: [Substring])]
    /// Where the server is mounted (`--base-path`, empty at the root).
    let basePath: String
    /// `<base path>/api/`: requests under it are the API's; the others are the console's.
    var apiPrefix: String { basePath + "/api/" }

    func handle(_ request: Request, context: APIContext, next: (Request, APIContext) async throws -> Response)
        async throws -> Response
    {
        var context = context
        let started = ContinuousClock.now
        let sent = request.headers[.init("X-Request-ID")!] ?? ""
        context.requestID =
            sent.count <= 128 && !sent.isEmpty && sent.allSatisfy({ $0.isLetter || $0.isNumber || "-_.".contains($0) })
            ? sent : "api-" + UUID().uuidString.lowercased().prefix(12)
        var response: Response
        do {
            context.identity = try authenticate(request)
            // PostgreSQL text cannot hold NUL: a parameter with one names nothing that exists, and is refused here.
            let uri = request.uri.description
            if uri.contains("%00") || uri.contains("\u{0}") || uri.removingPercentEncoding?.contains("\u{0}") == true {
                throw Problem.badRequest("a parameter contains a NUL character")
            }
            // Blocks an action moves are logged with this request's id.
            let forwarded = context
            response = try await TransitionLog.$requestID.withValue(context.requestID) {
                try await next(request, forwarded)
            }
        } catch let problem as Problem {
            response = problem.response(instance: request.uri.path, requestID: context.requestID)
        } catch let error as TraduError {
            response = Problem(error).response(instance: request.uri.path, requestID: context.requestID)
        } catch let error as HTTPError {
            let allowed = error.status == .notFound ? allowedMethods(request.uri.path) : []
            if !allowed.isEmpty {
                response = Problem(
                    .methodNotAllowed, "Method not allowed",
                    "\(request.method) is not served on \(request.uri.path); allowed: \(allowed.joined(separator: ", "))"
                ).response(instance: request.uri.path, requestID: context.requestID)
                response.headers[.allow] = allowed.joined(separator: ", ")
            } else if !request.uri.path.hasPrefix(apiPrefix),
                request.headers[.accept]?.contains("text/html") == true
            {
                // A browser on a console address that does not exist gets a page, not JSON.
                response = ConsoleFrame(
                    basePath: basePath, environments: [], identity: nil, formToken: nil,
                    publicRead: publicRead
                ).page(
                    title: error.status.reasonPhrase, section: .overview,
                    content: "<p>Nothing is served at \(request.uri.path).</p>", status: error.status)
                response.headers[.init("Content-Security-Policy")!] = ConsoleMiddleware.contentSecurityPolicy
            } else {
                response = Problem(error.status, error.status.reasonPhrase, error.body ?? error.status.reasonPhrase)
                    .response(instance: request.uri.path, requestID: context.requestID)
            }
        } catch {
            logger.error("request failed", metadata: ["request_id": "\(context.requestID)", "error": "\(error)"])
            response = Problem(.internalServerError, "Internal error", "see the server log for \(context.requestID)")
                .response(instance: request.uri.path, requestID: context.requestID)
        }
        response.headers[.init("X-Request-ID")!] = context.requestID
        response.headers[.init("X-Content-Type-Options")!] = "nosniff"
        response.headers[.init("X-Frame-Options")!] = "DENY"
        // The console's pages set their own policy (their style sheet and script); everything else loads nothing.
        if response.headers[.init("Content-Security-Policy")!] == nil {
            response.headers[.init("Content-Security-Policy")!] = "default-src 'none'; frame-ancestors 'none'"
        }
        if response.headers[.init("Referrer-Policy")!] == nil {
            response.headers[.init("Referrer-Policy")!] = "no-referrer"
        }
        response.headers[.cacheControl] = "no-store"
        logger.info(
            "api request",
            metadata: [
                "request_id": "\(context.requestID)", "method": "\(request.method)", "path": "\(request.uri.path)",
                "status": "\(response.status.code)", "identity": "\(context.identity?.name ?? "-")",
                "duration_ms": "\((ContinuousClock.now - started).milliseconds)",
            ])
        return response
    }

    /// The methods the routes serve on `path`: those of the most specific matching routes (`/blocks/cancel` is the
    /// cancel action's, not a block called "cancel").
    private func allowedMethods(_ path: String) -> [String] {
        let segments = path.split(separator: "/")
        let matching = routes.filter { route in
            route.segments.count == segments.count
                && zip(route.segments, segments).allSatisfy { $0.hasPrefix("{") || $0 == $1 }
        }
        func literals(_ route: (method: String, segments: [Substring])) -> Int {
            route.segments.filter { !$0.hasPrefix("{") }.count
        }
        let best = matching.map(literals).max() ?? 0
        return matching.filter { literals($0) == best }.map(\.method).sorted()
    }

    /// The caller, and whether it may use this method: reads need `read` (or a `--public-read` server), anything
    /// else `operate`. The health and document routes are open; the console's pages sign in with a session cookie
    /// (`ConsoleMiddleware`), never with a bearer token.
    private func authenticate(_ request: Request) throws -> APIIdentity? {
        guard request.uri.path.hasPrefix(apiPrefix) else { return nil }
        let needed: APIIdentity.Role = request.method == .get || request.method == .head ? .read : .operate
        var identity: APIIdentity?
        if let header = request.headers[.authorization] {
            guard header.hasPrefix("Bearer "), let found = tokens.identity(token: String(header.dropFirst(7))) else {
                throw Problem(.unauthorized, "Unauthorized", "the bearer token is not one of the tokens file's")
            }
            identity = found
        }
        if request.uri.path.hasSuffix("/openapi.yaml") || request.uri.path.hasSuffix("/healthz") { return identity }
        guard let identity else {
            if needed == .read, publicRead { return nil }
            throw Problem(
                .unauthorized, "Unauthorized",
                "send 'Authorization: Bearer <token>'; reading needs a token unless the server runs with --public-read")
        }
        guard identity.role.allows(needed) else {
            throw Problem(.forbidden, "Forbidden", "\(identity.name) has the read role; this needs operate")
        }
        return identity
    }
}
