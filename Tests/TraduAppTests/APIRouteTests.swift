import Crypto
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Testing
import TraduApp
import TraduCore
import TraduTestSupport

@testable import TraduAPI

/// API v1 in process (HummingbirdTesting's router framework) against a real PostgreSQL with a completed run:
/// tokens and roles, public reads, keyset pages, filters, a block's path, problem+json, the base path, and the
/// OpenAPI document held to the routes.
@Suite(.serialized) struct APIRouteTests {
    static let readToken = "read-token-for-tests"
    static let operateToken = "operate-token-for-tests"

    struct Served {
        let project: TestProject
        let service: OperatorService
    }

    /// A project of 12 one-document blocks, run to completion.
    static func served(run: Bool = true) async throws -> Served {
        let project = try await TestProject.runtime(documents: 12, maxRecords: 1)
        let command = run ? ["up", "-e", "dev"] : ["apply", "-e", "dev", "--auto-approve"]
        let result = try await CommandLineTests.run(command, in: project.root, database: project.databaseURL)
        #expect(result.status == 0, "\(result.stderr)")
        let target = EnvironmentTarget(environment: .implicit("dev"), url: project.databaseURL)
        return Served(project: project, service: OperatorService(target: target, logger: Logger(label: "test")))
    }

    static func tokensFile() throws -> String {
        let path = NSTemporaryDirectory() + "tradu-tokens-\(UUID().uuidString).yaml"
        func hex(_ token: String) -> String {
            SHA256.hash(data: Array(token.utf8)).map { String(format: "%02x", $0) }.joined()
        }
        try """
        tokens:
          - {name: viewer, role: read, sha256: \(hex(readToken))}
          - {name: ana, role: operate, sha256: \(hex(operateToken))}
        """.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    static func application(_ served: Served, basePath: String = "", publicRead: Bool = false) throws
        -> some ApplicationProtocol
    {
        var settings = APIServer.Settings()
        settings.basePath = basePath
        settings.publicRead = publicRead
        settings.tokens = try AccessTokens.load(path: try tokensFile())
        let server = APIServer(services: ["dev": served.service], settings: settings, logger: Logger(label: "api"))
        return Application(router: server.router())
    }

    static func bearer(_ token: String) -> HTTPFields { [.authorization: "Bearer \(token)"] }

    static func json(_ response: TestResponse) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any])
    }

    @Test func readsNeedATokenAndProblemsAreProblemJSON() async throws {
        let served = try await Self.served()
        try await Self.application(served).test(.router) { client in
            try await client.execute(uri: "/api/v1/environments", method: .get) { response in
                #expect(response.status == .unauthorized)
                #expect(response.headers[.contentType] == "application/problem+json")
                let problem = try Self.json(response)
                #expect(problem["status"] as? Int == 401 && (problem["detail"] as? String)?.contains("Bearer") == true)
                #expect(response.headers[HTTPFields.Element.Name("X-Request-ID")!] == problem["requestId"] as? String)
            }
            try await client.execute(
                uri: "/api/v1/environments", method: .get, headers: Self.bearer("not-a-token")
            ) { response in
                #expect(response.status == .unauthorized)
            }
            try await client.execute(
                uri: "/api/v1/environments", method: .get,
                headers: Self.bearer(Self.readToken) + [HTTPFields.Element.Name("X-Request-ID")!: "trace-42"]
            ) { response in
                #expect(response.status == .ok)
                #expect(
                    response.headers[HTTPFields.Element.Name("X-Request-ID")!] == "trace-42",
                    "the caller's id is echoed")
                #expect(response.headers[HTTPFields.Element.Name("X-Frame-Options")!] == "DENY")
                let items = try #require(try Self.json(response)["items"] as? [[String: Any]])
                #expect(items.map { $0["name"] as? String } == ["dev"])
                #expect(items.first?["pipelines"] as? [String] == ["translate"])
            }
            try await client.execute(uri: "/api/v1/environments", method: .post, headers: Self.bearer(Self.readToken)) {
                response in
                #expect(response.status == .forbidden, "a read identity may not act")
            }
            try await client.execute(
                uri: "/api/v1/environments/prod/blocks", method: .get, headers: Self.bearer(Self.readToken)
            ) { response in
                #expect(response.status == .notFound)
                let problem = try Self.json(response)
                #expect(problem["detail"] as? String == "environment 'prod' is not served here (served: dev)")
            }
            try await client.execute(uri: "/healthz", method: .get) { response in #expect(response.status == .ok) }
        }
    }

    @Test func blocksComeInKeysetPagesWithFiltersAndABlockShowsItsPath() async throws {
        let served = try await Self.served()
        try await Self.application(served, publicRead: true).test(.router) { client in
            var seen: [String] = []
            var after: String?
            repeat {
                let uri = "/api/v1/environments/dev/blocks?limit=5" + (after.map { "&after=\($0)" } ?? "")
                after = try await client.execute(uri: uri, method: .get) { response in
                    #expect(response.status == .ok, "public reads need no token")
                    let page = try Self.json(response)
                    let items = try #require(page["items"] as? [[String: Any]])
                    #expect(items.count <= 5)
                    seen += items.compactMap { $0["id"] as? String }
                    return page["next"] as? String
                }
            } while after != nil
            #expect(seen.count == 12 && seen == seen.sorted() && Set(seen).count == 12, "every block once, in order")

            try await client.execute(uri: "/api/v1/environments/dev/blocks?state=failed", method: .get) { response in
                let page = try Self.json(response)
                #expect((page["items"] as? [Any])?.isEmpty == true, "no block failed")
            }
            try await client.execute(uri: "/api/v1/environments/dev/blocks?state=done", method: .get) { response in
                #expect(response.status == .badRequest)
                let problem = try Self.json(response)
                #expect((problem["detail"] as? String)?.contains("created, claimed") == true)
            }
            try await client.execute(uri: "/api/v1/environments/dev/blocks?limit=0", method: .get) { response in
                #expect(response.status == .badRequest)
            }
            try await client.execute(uri: "/api/v1/environments/dev/blocks/\(seen[0])?eventLimit=2", method: .get) {
                response in
                #expect(response.status == .ok)
                let detail = try Self.json(response)
                let events = try #require(detail["events"] as? [[String: Any]])
                #expect(events.count == 2 && detail["nextEvent"] as? Int != nil, "events come a page at a time")
                let results = try #require(detail["results"] as? [[String: Any]])
                #expect(results.count == 1 && results[0]["current"] as? Bool == true)
            }
            try await client.execute(uri: "/api/v1/environments/dev/blocks/nope", method: .get) { response in
                #expect(response.status == .notFound)
            }
            try await client.execute(uri: "/api/v1/environments/dev/instances", method: .get) { response in
                #expect(response.status == .ok)
            }
            try await client.execute(uri: "/api/v1/environments/dev/documents?id=doc-3", method: .get) { response in
                #expect(response.status == .ok)
                let found = try Self.json(response)
                let documents = try #require(found["documents"] as? [[String: Any]])
                let blocks = try #require(documents.first?["blocks"] as? [[String: Any]])
                #expect(documents.count == 1 && blocks.count == 1 && blocks[0]["state"] as? String == "completed")
                #expect((blocks[0]["translation"] as? String)?.hasPrefix("[fr] Document 3") == true, "\(blocks)")
            }
            for (query, status) in [("id=doc-99", HTTPResponse.Status.notFound), ("dataset=docs", .badRequest)] {
                try await client.execute(uri: "/api/v1/environments/dev/documents?\(query)", method: .get) { response in
                    #expect(response.status == status, "\(query)")
                }
            }
            let stored = try await served.project.query("SELECT counts::text AS counts FROM pipeline_status")
            let storedCounts = try #require(stored.first?["counts"] ?? nil)
            let maintained = try JSONSerialization.jsonObject(with: Data(storedCounts.utf8)) as? [String: Int]
            try await client.execute(uri: "/api/v1/environments/dev/pipelines", method: .get) { response in
                let items = try #require(try Self.json(response)["items"] as? [[String: Any]])
                // The controller's counts as it last wrote them, not a count made for the request.
                #expect(items.first?["counts"] as? [String: Int] == maintained, "\(items)")
                #expect(items.first?["countsUpdatedAt"] as? String != nil)
            }
            try await client.execute(uri: "/api/v1/environments/dev/revisions", method: .get) { response in
                let items = try #require(try Self.json(response)["items"] as? [[String: Any]])
                #expect(items.first?["number"] as? Int == 1)
            }
        }
    }

    @Test func actionsNeedOperateAndAReasonAndTheAuditShowsWhoWhyAndFromWhere() async throws {
        let served = try await Self.served(run: false)
        // The command line's own action is audited too.
        let cli = try await CommandLineTests.run(
            ["cancel", "-e", "dev", "--pipeline", "translate", "-m", "wrong glossary"],
            in: served.project.root, database: served.project.databaseURL, environment: ["TRADU_ACTOR": "ops-bot"])
        #expect(cli.status == 0, "\(cli.stderr)")
        try await Self.application(served).test(.router) { client in
            func post(_ uri: String, _ body: String, token: String = Self.operateToken) async throws -> TestResponse {
                try await client.execute(
                    uri: uri, method: .post, headers: Self.bearer(token) + [.contentType: "application/json"],
                    body: ByteBuffer(string: body))
            }
            let retry = "/api/v1/environments/dev/blocks/retry"
            #expect(
                try await post(
                    retry, #"{"pipeline":"translate","state":"cancelled","reason":"x"}"#, token: Self.readToken
                ).status == .forbidden)
            #expect(try await post(retry, #"{"pipeline":"translate","state":"cancelled"}"#).status == .badRequest)
            #expect(try await post(retry, #"{"pipeline":"translate","reason":"  "}"#).status == .badRequest)
            #expect(try await post(retry, #"{"ids":["a"],"pipeline":"translate","reason":"x"}"#).status == .badRequest)
            #expect(try await post(retry, #"{"pipeline":"translate","reason":"x","force":true}"#).status == .badRequest)
            let retried = try await post(
                retry, #"{"pipeline":"translate","state":"cancelled","reason":"glossary fixed"}"#)
            #expect(retried.status == .ok)
            #expect(try Self.json(retried)["count"] as? Int == 12)
            let paused = try await post(
                "/api/v1/environments/dev/pipelines/translate/pause", #"{"reason":"budget review"}"#)
            #expect(try Self.json(paused)["changed"] as? Bool == true)
            let missing = try await post("/api/v1/environments/dev/pipelines/nope/pause", #"{"reason":"x"}"#)
            #expect(missing.status == .notFound)
            try await client.execute(
                uri: "/api/v1/environments/dev/actions", method: .get, headers: Self.bearer(Self.readToken)
            ) {
                response in
                let items = try #require(try Self.json(response)["items"] as? [[String: Any]])
                #expect(items.map { $0["action"] as? String } == ["pause", "retry", "cancel"])
                #expect(items.map { $0["actor"] as? String } == ["api:ana", "api:ana", "ops-bot"])
                #expect(items.map { $0["via"] as? String } == ["api", "api", "cli"])
                #expect(items.map { $0["reason"] as? String } == ["budget review", "glossary fixed", "wrong glossary"])
                #expect((items[1]["detail"] as? String) == "12 blocks: pipeline translate, state cancelled")
                #expect((items[2]["detail"] as? String) == "12 blocks: pipeline translate")
            }
        }
    }

    @Test func everyRouteWorksUnderABasePath() async throws {
        let served = try await Self.served()
        try await Self.application(served, basePath: "/tradu/", publicRead: true).test(.router) { client in
            for uri in ["/tradu/healthz", "/tradu/api/v1/openapi.yaml", "/tradu/api/v1/environments/dev/pipelines"] {
                try await client.execute(uri: uri, method: .get) { response in
                    #expect(response.status == .ok, "\(uri)")
                }
            }
            try await client.execute(uri: "/api/v1/environments", method: .get) { response in
                #expect(response.status == .notFound, "nothing is served outside the base path")
            }
        }
    }

    @Test func theTokensFileIsCheckedEntryByEntry() throws {
        let path = NSTemporaryDirectory() + "tradu-tokens-\(UUID().uuidString).yaml"
        try "tokens:\n  - {name: ana, role: admin, sha256: 00}\n".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: TraduError.self) { try AccessTokens.load(path: path) }
        do {
            _ = try AccessTokens.load(path: path)
        } catch {
            #expect("\(error)".contains("tokens[0] (ana): 'role' must be read or operate"), "\(error)")
        }
    }

    /// The committed document is the one served, and it names exactly the routes the server has.
    @Test func theOpenAPIDocumentAndTheRoutesAgree() throws {
        let committed = try String(contentsOfFile: RepositoryPaths.root + "/api/openapi.yaml", encoding: .utf8)
        #expect(committed == OpenAPIDocument.yaml + "\n", "api/openapi.yaml and OpenAPIDocument.swift differ")
        let document = try JSONText.parse(committed, name: "api/openapi.yaml")
        guard case .object(let paths)? = document["paths"] else {
            Issue.record("no paths")
            return
        }
        var documented: [String] = []
        for (path, item) in paths {
            guard case .object(let methods) = item else { continue }
            for (method, _) in methods { documented.append("\(method.uppercased()) \(path)") }
        }
        #expect(documented.sorted() == APIRoutes.all.sorted())
    }
}
