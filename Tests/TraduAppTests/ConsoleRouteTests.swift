import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Testing
import TraduApp
import TraduCore
import TraduTestSupport

@testable import TraduAPI

/// The console in process (HummingbirdTesting) against a real PostgreSQL with a completed run: sign-in sessions and
/// their cookie, who may act and with which form token, escaping of everything shown, keyset pages of blocks and of
/// a block's events, the base path, and the audit of the console's actions.
@Suite(.serialized) struct ConsoleRouteTests {
    static func application(_ served: APIRouteTests.Served, basePath: String = "", publicRead: Bool = false) throws
        -> some ApplicationProtocol
    {
        try APIRouteTests.application(served, basePath: basePath, publicRead: publicRead)
    }

    /// Signs in with `token` and answers the session cookie (`tradu_session=...`).
    static func signIn(_ client: some TestClientProtocol, token: String, basePath: String = "") async throws -> String {
        try await client.execute(
            uri: basePath + "/sign-in", method: .post,
            headers: [.contentType: "application/x-www-form-urlencoded"],
            body: ByteBuffer(string: "token=\(token)&next=\(basePath)/")
        ) { response in
            #expect(response.status == .seeOther)
            let cookie = try #require(response.headers[.setCookie])
            #expect(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"), "\(cookie)")
            #expect(cookie.contains("Path=\(basePath.isEmpty ? "/" : basePath)"), "\(cookie)")
            return try #require(cookie.split(separator: ";").first.map(String.init))
        }
    }

    static func page(_ response: TestResponse) -> String { String(buffer: response.body) }

    /// The form token a signed-in page carries.
    static func formToken(_ html: String) throws -> String {
        let marker = "name=\"formToken\" value=\""
        let start = try #require(html.range(of: marker)).upperBound
        return String(html[start...].prefix { $0 != "\"" })
    }

    @Test func readersSignInAndTheSessionIsTheTokensFiles() async throws {
        let served = try await APIRouteTests.served()
        try await Self.application(served).test(.router) { client in
            try await client.execute(uri: "/", method: .get) { response in
                #expect(response.status == .seeOther, "no session, no public read: sign in first")
                #expect(response.headers[.location] == "/sign-in?next=%2F")
            }
            try await client.execute(
                uri: "/sign-in", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
                body: ByteBuffer(string: "token=wrong&next=/")
            ) { response in
                #expect(response.status == .unauthorized)
                #expect(response.headers[.setCookie] == nil)
                #expect(Self.page(response).contains("not one of this server&#39;s"))
            }
            // A sign-in never sends the browser to another site.
            try await client.execute(
                uri: "/sign-in", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
                body: ByteBuffer(string: "token=\(APIRouteTests.readToken)&next=https%3A%2F%2Fevil.example%2F")
            ) { response in
                #expect(response.headers[.location] == "/")
            }
            let cookie = try await Self.signIn(client, token: APIRouteTests.readToken)
            try await client.execute(uri: "/", method: .get, headers: [.cookie: cookie]) { response in
                #expect(response.status == .ok)
                let html = Self.page(response)
                #expect(
                    html.contains("viewer") && html.contains("article class=\"pipeline\" data-pipeline=\"translate\""))
                #expect(!html.contains("details class=\"action\""), "a read identity is offered no action")
                let policy = response.headers[HTTPFields.Element.Name("Content-Security-Policy")!] ?? ""
                #expect(policy.contains("script-src 'self'") && !policy.contains("unsafe-inline"), "\(policy)")
            }
            // A cookie whose signature does not hold signs nobody in.
            let tampered = cookie.replacingOccurrences(of: "dmlld2Vy", with: "YW5h")
            #expect(tampered != cookie)
            try await client.execute(uri: "/", method: .get, headers: [.cookie: tampered]) { response in
                #expect(response.status == .seeOther)
            }
            // The API never takes the cookie: it wants a bearer token.
            try await client.execute(uri: "/api/v1/environments", method: .get, headers: [.cookie: cookie]) {
                response in
                #expect(response.status == .unauthorized)
            }
            try await client.execute(uri: "/nowhere", method: .get, headers: [.accept: "text/html"]) { response in
                #expect(response.status == .notFound)
                #expect(Self.page(response).contains("Nothing is served at /nowhere"))
            }
        }
    }

    @Test func sessionsExpireAndEndWhenTheTokensFileDropsTheName() throws {
        let tokens = try AccessTokens.load(path: try APIRouteTests.tokensFile())
        let sessions = ConsoleSessions(tokens: tokens, lifetime: 60)
        let ana = try #require(tokens.identity(named: "ana"))
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let value = sessions.cookieValue(for: ana, now: now)
        #expect(sessions.identity(cookieValue: value, now: now) == ana)
        #expect(sessions.identity(cookieValue: value, now: now.addingTimeInterval(61)) == nil, "expired")
        let forged =
            value.split(separator: ".").prefix(2).joined(separator: ".") + "." + String(repeating: "0", count: 64)
        #expect(sessions.identity(cookieValue: forged, now: now) == nil)
        let otherKey = ConsoleSessions(tokens: tokens, lifetime: 60)
        #expect(otherKey.identity(cookieValue: value, now: now) == nil, "another server's key signs nothing here")
        let without = ConsoleSessions(tokens: .none, key: sessions.key, lifetime: 60)
        #expect(without.identity(cookieValue: value, now: now) == nil, "a name no longer in the tokens file")
        #expect(sessions.acceptsFormToken(sessions.formToken(cookieValue: value), cookieValue: value))
        #expect(!sessions.acceptsFormToken(sessions.formToken(cookieValue: value + "x"), cookieValue: value))
    }

    @Test func actionsNeedOperateTheSessionsFormTokenAndAReasonAndAreAudited() async throws {
        let served = try await APIRouteTests.served(run: false)
        let cancelled = try await CommandLineTests.run(
            ["cancel", "-e", "dev", "--pipeline", "translate", "-m", "setting up"], in: served.project.root,
            database: served.project.databaseURL)
        #expect(cancelled.status == 0, "\(cancelled.stderr)")
        let blockID = try #require(
            try await served.project.query("SELECT id FROM blocks ORDER BY id LIMIT 1").first?["id"] ?? nil)
        try await Self.application(served, basePath: "/tradu").test(.router) { client in
            let form: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]
            let retry = "/tradu/environments/dev/blocks/\(blockID)/retry"
            let reader = try await Self.signIn(client, token: APIRouteTests.readToken, basePath: "/tradu")
            let readerToken = try await client.execute(
                uri: "/tradu/environments/dev/blocks/\(blockID)", method: .get, headers: [.cookie: reader]
            ) { response in
                let html = Self.page(response)
                #expect(!html.contains(">Retry…<"), "a read identity sees no retry")
                #expect(html.contains("href=\"/tradu/environments/dev/blocks\""), "links carry the base path")
                return try Self.formToken(html)
            }
            try await client.execute(
                uri: retry, method: .post, headers: form + [.cookie: reader],
                body: ByteBuffer(string: "formToken=\(readerToken)&reason=try")
            ) { response in
                #expect(response.status == .forbidden)
                #expect(Self.page(response).contains("has the read role"))
            }
            let operator_ = try await Self.signIn(client, token: APIRouteTests.operateToken, basePath: "/tradu")
            let token = try await client.execute(
                uri: "/tradu/environments/dev/blocks/\(blockID)", method: .get, headers: [.cookie: operator_]
            ) { response in
                #expect(Self.page(response).contains(">Retry…<"))
                return try Self.formToken(Self.page(response))
            }
            for (body, headers, status, why) in [
                ("reason=x", form + [.cookie: operator_], HTTPResponse.Status.forbidden, "no form token"),
                ("formToken=\(readerToken)&reason=x", form + [.cookie: operator_], .forbidden, "another session's"),
                ("formToken=\(token)&reason=%20", form + [.cookie: operator_], .badRequest, "a blank reason"),
                (
                    "formToken=\(token)&reason=x", form + [.cookie: operator_, .origin: "http://evil.example"],
                    .forbidden, "another origin"
                ),
                ("formToken=\(token)&reason=x", form, .unauthorized, "no session"),
            ] {
                try await client.execute(uri: retry, method: .post, headers: headers, body: ByteBuffer(string: body)) {
                    response in
                    #expect(response.status == status, "\(why)")
                }
            }
            #expect(try await served.project.query("SELECT 1 FROM operator_actions WHERE via = 'console'").isEmpty)
            try await client.execute(
                uri: retry, method: .post, headers: form + [.cookie: operator_],
                body: ByteBuffer(string: "formToken=\(token)&reason=%3Cscript%3Ealert(1)%3C%2Fscript%3E+glossary+fixed")
            ) { response in
                #expect(response.status == .seeOther)
                #expect(response.headers[.location] == "/tradu/environments/dev/blocks/\(blockID)")
            }
            let state = try await served.project.query("SELECT state FROM blocks WHERE id = '\(blockID)'")
            #expect(state.first?["state"] == "enqueued" || state.first?["state"] == "created", "\(state)")
            // The reason is shown as text in the history, never as markup.
            try await client.execute(uri: "/tradu/environments/dev/history", method: .get, headers: [.cookie: reader]) {
                response in
                let html = Self.page(response)
                #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt; glossary fixed"))
                #expect(!html.contains("<script>alert"))
                #expect(html.contains("console:ana"))
            }
            try await client.execute(
                uri: "/tradu/environments/dev/pipelines/translate/pause", method: .post,
                headers: form + [.cookie: operator_],
                body: ByteBuffer(string: "formToken=\(token)&reason=vendor+outage")
            ) { response in
                #expect(response.status == .seeOther)
            }
            try await client.execute(uri: "/tradu/", method: .get, headers: [.cookie: operator_]) { response in
                let html = Self.page(response)
                #expect(html.contains("<strong>Paused</strong> by console:ana") && html.contains("vendor outage"))
                #expect(html.contains(">Resume…<"))
            }
        }
        let audit = try await served.project.query(
            "SELECT action, actor, via FROM operator_actions WHERE via = 'console' ORDER BY id")
        #expect(audit.map { $0["action"] ?? nil } == ["retry", "pause"], "\(audit)")
        #expect(audit.allSatisfy { $0["actor"] == "console:ana" })
    }

    @Test func blocksAndABlocksEventsComeAPageAtATime() async throws {
        let served = try await APIRouteTests.served()
        let blockID = try #require(
            try await served.project.query("SELECT id FROM blocks ORDER BY id LIMIT 1").first?["id"] ?? nil)
        // A block with thousands of events: the page shows one page of them, and the way on.
        try await served.project.query(
            """
            INSERT INTO block_events (block_id, from_state, to_state, instance_id, attempt, reason)
            SELECT '\(blockID)', 'in_process', 'enqueued', 'worker-' || (n % 3), n, 'requeued <' || n || '>'
            FROM generate_series(1, 3000) AS n
            """)
        try await Self.application(served, publicRead: true).test(.router) { client in
            var seen: [String] = []
            var uri: String? = "/environments/dev/blocks"
            var pages = 0
            while let next = uri {
                pages += 1
                uri = try await client.execute(uri: next, method: .get) { response in
                    #expect(response.status == .ok, "public reads need no session")
                    let html = Self.page(response)
                    seen += html.components(separatedBy: "class=\"mono\" href=\"/environments/dev/blocks/").dropFirst()
                        .map { String($0.prefix(32)) }
                    return html.range(of: "rel=\"next\" href=\"").map { range in
                        String(html[range.upperBound...].prefix { $0 != "\"" }).replacingOccurrences(
                            of: "&amp;", with: "&")
                    }
                }
            }
            #expect(seen.count == 12 && Set(seen).count == 12 && pages == 1, "12 blocks fit one page of 50")
            try await client.execute(uri: "/environments/dev/blocks?state=failed", method: .get) { response in
                #expect(Self.page(response).contains("No block matches these filters."))
            }
            try await client.execute(uri: "/environments/dev/blocks?errorClass=oops", method: .get) { response in
                #expect(response.status == .badRequest)
                #expect(Self.page(response).contains("error class &#39;oops&#39; is not one of"))
            }
            var eventRows = 0
            var eventPages = 0
            uri = "/environments/dev/blocks/\(blockID)"
            while let next = uri {
                eventPages += 1
                uri = try await client.execute(uri: next, method: .get) { response in
                    #expect(response.status == .ok)
                    let html = Self.page(response)
                    let rows = html.components(separatedBy: "<td class=\"num mono\">").count - 1
                    #expect(rows <= BlockPage.eventsPerPage)
                    eventRows += rows
                    #expect(!html.contains("requeued <"), "reasons are escaped")
                    return html.range(of: "rel=\"next\" href=\"").map { range in
                        String(html[range.upperBound...].prefix { $0 != "\"" })
                    }
                }
            }
            #expect(eventRows == 3004 && eventPages == 16, "\(eventRows) events on \(eventPages) pages")
            try await client.execute(uri: "/environments/dev/blocks/nope", method: .get) { response in
                #expect(response.status == .notFound)
                #expect(Self.page(response).contains("no block &#39;nope&#39; in dev"))
            }
            try await client.execute(uri: "/environments/dev/instances?fragment=1", method: .get) { response in
                let html = Self.page(response)
                #expect(html.hasPrefix("<table class=\"instances\">"), "the live region's content alone")
                #expect(!html.contains("<html"))
            }
        }
    }
}
