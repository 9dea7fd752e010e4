import Foundation
import Hummingbird
import Logging
import TraduApp

/// Every console request: the session cookie's identity, a sign-in page for a reader who needs one, the origin of
/// every form, errors as pages, and a content security policy that lets a page load only the console's own style
/// sheet and script.
struct ConsoleMiddleware: RouterMiddleware {
    typealias Context = APIContext

    static let contentSecurityPolicy =
        "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; connect-src 'self';"
        + " form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

    let sessions: ConsoleSessions
    let publicRead: Bool
    let basePath: String
    let environments: [String]
    let logger: Logger

    func handle(_ request: Request, context: APIContext, next: (Request, APIContext) async throws -> Response)
        async throws -> Response
    {
        var context = context
        if let value = ConsoleSessions.cookieValue(inHeader: request.headers[.cookie]),
            let identity = sessions.identity(cookieValue: value)
        {
            context.identity = identity
            context.session = value
        }
        var response: Response
        do {
            let path = request.uri.path
            let open = path.hasPrefix(basePath + "/assets/") || path == basePath + "/sign-in"
            if request.method == .post {
                try checkOrigin(request)
            } else if !open, context.identity == nil, !publicRead {
                let next = request.uri.description
                return Self.redirect(to: basePath + "/sign-in?next=" + ConsoleFrame.pathSegment(next))
            }
            response = try await next(request, context)
        } catch let problem as Problem {
            response = errorPage(problem, context: context)
        } catch let error as TraduError {
            response = errorPage(Problem(error), context: context)
        } catch {
            logger.error(
                "console request failed", metadata: ["request_id": "\(context.requestID)", "error": "\(error)"])
            response = errorPage(
                Problem(.internalServerError, "Internal error", "see the server log for \(context.requestID)"),
                context: context)
        }
        response.headers[.init("Content-Security-Policy")!] = Self.contentSecurityPolicy
        // Same-origin, not no-referrer: with no referrer at all a browser sends `Origin: null` with a form.
        response.headers[.init("Referrer-Policy")!] = "same-origin"
        return response
    }

    /// A form posted from another site is refused: browsers send `Origin` with every POST, and it must name this
    /// server (as the `Host` the browser asked for). The session's form token is checked by the action itself.
    private func checkOrigin(_ request: Request) throws {
        guard let origin = request.headers[.origin] else { return }
        // Behind a proxy that rewrites Host, the host the browser asked for is in X-Forwarded-Host.
        let host =
            request.headers[.init("X-Forwarded-Host")!]?.split(separator: ",").first.map {
                String($0.trimmingCharacters(in: .whitespaces))
            } ?? request.head.authority ?? ""
        let originHost = origin.split(separator: "/", omittingEmptySubsequences: true).dropFirst().first.map(
            String.init)
        guard let originHost, originHost == host else {
            throw Problem(.forbidden, "Forbidden", "a form from \(origin) may not act on this console")
        }
    }

    func frame(_ context: APIContext) -> ConsoleFrame {
        ConsoleFrame(
            basePath: basePath, environments: environments, identity: context.identity,
            formToken: context.session.map { sessions.formToken(cookieValue: $0) }, publicRead: publicRead)
    }

    private func errorPage(_ problem: Problem, context: APIContext) -> Response {
        let content: HTML = """
            <p class="error-text" role="alert">\(problem.detail)</p>
            <p class="muted">Request \(context.requestID). <a href="\(basePath)/">Back to the overview</a>.</p>
            """
        return frame(context).page(
            title: problem.title, section: .overview, content: content, status: problem.status)
    }

    static func redirect(to location: String, cookie: String? = nil) -> Response {
        var headers: HTTPFields = [.location: location]
        if let cookie { headers[.setCookie] = cookie }
        return Response(status: .seeOther, headers: headers)
    }
}
