import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Testing
import TraduApp
import TraduTestSupport

@testable import TraduAPI

/// The release side of API v1 against real processes' work: staging runs, then prod is approved, refused and
/// promoted through the API; a revision's diff, promotions, rejections and rollout decisions; every action in
/// the audit with the API identity and its reason.
extension ProcessHeavyTests.PromotionTests {
    static func apiApplication(_ project: Project) async throws -> some ApplicationProtocol {
        let resolver = DatabaseResolver(
            explicitURL: project.database, home: nil, environmentVariables: project.variables(actor: "unused"))
        var services: [String: OperatorService] = [:]
        for environment in ["staging", "prod"] {
            services[environment] = try await OperatorService.locate(
                directory: project.root + "/manifests", environment: environment, resolver: resolver,
                logger: Logger(label: "test"), projectRoot: project.root)
        }
        var settings = APIServer.Settings()
        settings.tokens = try AccessTokens.load(path: try APIRouteTests.tokensFile())
        return Application(
            router: APIServer(services: services, settings: settings, logger: Logger(label: "api")).router())
    }

    static func post(_ client: some TestClientProtocol, _ uri: String, _ body: String, token: String) async throws
        -> (HTTPResponse.Status, [String: Any])
    {
        try await client.execute(
            uri: uri, method: .post, headers: APIRouteTests.bearer(token) + [.contentType: "application/json"],
            body: ByteBuffer(string: body)
        ) { response in
            (
                response.status,
                (try? JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any]) ?? [:]
            )
        }
    }

    static func get(_ client: some TestClientProtocol, _ uri: String) async throws -> (
        HTTPResponse.Status, [String: Any]
    ) {
        try await client.execute(uri: uri, method: .get, headers: APIRouteTests.bearer(APIRouteTests.readToken)) {
            response in
            (
                response.status,
                (try? JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any]) ?? [:]
            )
        }
    }

    @Test func approvalsRefusalsAndPromotionsGoThroughTheAPI() async throws {
        let project = try await Project.make(promotion: "{from: staging, requireApproval: true}")
        try await project.stagingRuns()
        let freight = try await project.latestFreight("staging")
        let operate = APIRouteTests.operateToken
        let prod = "/api/v1/environments/prod"
        try await Self.apiApplication(project).test(.router) { client in
            var (status, body) = try await Self.post(
                client, prod + "/promote", #"{"reason": "release"}"#, token: APIRouteTests.readToken)
            #expect(status == .forbidden, "a read identity may not promote")

            (status, body) = try await Self.post(client, prod + "/promote", #"{"reason": "release"}"#, token: operate)
            #expect(status == .conflict, "\(body)")
            #expect(body["outcome"] as? String == "refused")
            #expect((body["reasons"] as? [String])?.contains { $0.contains("approv") } == true, "\(body)")

            (status, body) = try await Self.post(
                client, prod + "/approve", #"{"reason": "typo", "freight": "0000deadbeef"}"#, token: operate)
            #expect(status == .notFound)
            #expect((body["detail"] as? String)?.contains("staging never ran freight 0000deadbeef") == true)

            (status, body) = try await Self.post(
                client, prod + "/approve", #"{"reason": "looked at staging", "sourceRevision": 1}"#, token: operate)
            #expect(status == .ok, "\(body)")
            #expect(body["freight"] as? String == freight)

            (status, body) = try await Self.post(
                client, prod + "/promote", #"{"reason": "release", "dryRun": "yes"}"#, token: operate)
            #expect(status == .badRequest, "a flag is a boolean, never a string")

            (status, body) = try await Self.post(client, prod + "/promote", #"{"reason": "release"}"#, token: operate)
            #expect(status == .conflict, "the approver cannot promote: \(body)")
            #expect((body["reasons"] as? [String])?.contains { $0.contains("approved only by api:ana") } == true)
            try await project.expectProdUntouched()

            let approved = try await project.tradu(
                ["approve", "-e", "prod", "--freight", freight, "-m", "ok"], actor: "alice")
            #expect(approved.status == 0, "\(approved.stderr)")
            (status, body) = try await Self.post(client, prod + "/promote", #"{"reason": "release"}"#, token: operate)
            #expect(status == .ok, "\(body)")
            #expect(body["outcome"] as? String == "promoted")

            (status, body) = try await Self.get(client, prod + "/promotions")
            let phases = (body["items"] as? [[String: Any]])?.compactMap { $0["phase"] as? String }
            #expect(phases == ["Succeeded", "Refused", "Refused"], "\(body)")

            (status, body) = try await Self.get(client, prod + "/revisions/1")
            #expect(status == .ok)
            let diff = try #require(body["diff"] as? [String: Any])
            #expect(diff["hasChanges"] as? Bool == true && diff["revision"] is NSNull, "the first revision adds all")
            #expect(body["freight"] as? String == freight)
            (status, _) = try await Self.get(client, prod + "/revisions/2")
            #expect(status == .notFound)

            (status, body) = try await Self.post(
                client, prod + "/reject", #"{"reason": "bad French", "freight": "\#(freight)"}"#, token: operate)
            #expect(status == .ok && body["rejected"] as? Bool == true, "\(body)")
            (status, body) = try await Self.post(
                client, prod + "/unreject", #"{"reason": "fixed upstream", "freight": "\#(freight)"}"#, token: operate)
            #expect(status == .ok && body["rejected"] as? Bool == false)

            (status, body) = try await Self.post(
                client, prod + "/pipelines/help/rollout/abort", #"{"reason": "stop"}"#, token: operate)
            #expect(status == .notFound)
            #expect(body["detail"] as? String == "pipeline 'help' has no rollout in prod")
            (status, body) = try await Self.get(client, prod + "/rollouts")
            #expect((body["items"] as? [Any])?.isEmpty == true)

            (status, body) = try await Self.get(client, prod + "/actions")
            let actions = (body["items"] as? [[String: Any]]) ?? []
            #expect(
                actions.compactMap { $0["action"] as? String }
                    == ["unreject", "reject", "promote", "promote", "approve", "promote"],
                "\(actions)")
            #expect(actions.allSatisfy { $0["actor"] as? String == "api:ana" && $0["via"] as? String == "api" })
            #expect(actions.first { $0["action"] as? String == "approve" }?["reason"] as? String == "looked at staging")
            #expect(actions.map { $0["detail"] as? String }.contains("refused: freight \(freight)"))

            // The console's history shows the same promotions, each with its gates and why it was refused.
            let cookie = try await ConsoleRouteTests.signIn(client, token: APIRouteTests.readToken)
            try await client.execute(uri: "/environments/prod/history", method: .get, headers: [.cookie: cookie]) {
                response in
                #expect(response.status == .ok)
                let html = String(buffer: response.body)
                #expect(html.components(separatedBy: "class=\"phase phase-Refused\"").count == 3, "two refusals")
                #expect(html.contains("class=\"phase phase-Succeeded\""))
                #expect(
                    html.contains("<caption>Gates</caption>") && html.contains("<span class=\"pass\">passed</span>"))
                #expect(html.contains("approved only by api:ana"))
                #expect(html.contains("looked at staging"), "the audit, with why")
            }
        }
    }

    @Test func aRevisionShowsItsDiffAgainstTheOneBefore() async throws {
        let project = try await Project.make()
        try await project.stagingRuns()
        try project.writeManifests(promotion: "{from: staging}", prompt: "Translate, formally.")
        let apply = try await project.tradu(["apply", "-e", "staging", "--auto-approve"])
        #expect(apply.status == 0, "\(apply.stderr)")
        try await Self.apiApplication(project).test(.router) { client in
            let (status, body) = try await Self.get(client, "/api/v1/environments/staging/revisions/2")
            #expect(status == .ok)
            let diff = try #require(body["diff"] as? [String: Any])
            #expect(diff["revision"] as? Int == 1)
            let objects = try #require(diff["objects"] as? [[String: Any]])
            #expect(objects.map { $0["object"] as? String } == ["Engine/local"], "\(objects)")
            let fields = objects.first?["fields"] as? [[String: Any]]
            #expect(fields?.first?["new"] as? String == "Translate, formally.", "\(objects)")
            #expect(body["planDigest"] is String)
        }
    }
}
