import Hummingbird
import TraduApp
import TraduCore

/// API v1's routes (`api/openapi.yaml`): thin handlers over `OperatorService`, one per environment the server
/// was started for.
struct APIRoutes {
    let services: [String: OperatorService]
    let events: EventStream

    static let maxPageSize = 500
    static let defaultPageSize = 100

    /// Every route as `METHOD /path` with `{name}` parameters, for the test that holds the document to them.
    static let all = [
        "GET /healthz", "GET /api/v1/openapi.yaml", "GET /api/v1/environments", "GET /api/v1/events",
        "GET /api/v1/environments/{env}/pipelines", "GET /api/v1/environments/{env}/blocks",
        "GET /api/v1/environments/{env}/blocks/{id}", "GET /api/v1/environments/{env}/documents",
        "GET /api/v1/environments/{env}/instances",
        "GET /api/v1/environments/{env}/revisions", "GET /api/v1/environments/{env}/actions",
        "POST /api/v1/environments/{env}/blocks/retry", "POST /api/v1/environments/{env}/blocks/cancel",
        "POST /api/v1/environments/{env}/pipelines/{pipeline}/pause",
        "POST /api/v1/environments/{env}/pipelines/{pipeline}/resume",
        "GET /api/v1/environments/{env}/revisions/{number}", "GET /api/v1/environments/{env}/promotions",
        "GET /api/v1/environments/{env}/rollouts", "POST /api/v1/environments/{env}/promote",
        "POST /api/v1/environments/{env}/approve", "POST /api/v1/environments/{env}/reject",
        "POST /api/v1/environments/{env}/unreject",
        "POST /api/v1/environments/{env}/pipelines/{pipeline}/rollout/promote",
        "POST /api/v1/environments/{env}/pipelines/{pipeline}/rollout/abort",
        "POST /api/v1/environments/{env}/pipelines/{pipeline}/rollout/retry",
    ]

    func register(on router: Router<APIContext>, basePath: String) {
        let root = basePath.isEmpty ? router.group() : router.group(RouterPath(basePath))
        root.get("healthz") { _, _ in Self.json(.object([("status", .string("ok"))])) }
        let api = root.group("api/v1")
        api.get("openapi.yaml") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "application/yaml"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: OpenAPIDocument.yaml)))
        }
        api.get("environments") { _, _ in try await environments() }
        api.get("events") { request, _ in
            let query = request.uri.queryParameters
            guard let environment = query["env"].map(String.init) else {
                throw Problem.badRequest("name the environment to follow: ?env=NAME")
            }
            var lastEventID: Int64?
            if let text = request.headers[HTTPFields.Element.Name("Last-Event-ID")!] {
                guard let id = Int64(text), id >= 0 else {
                    throw Problem.badRequest(
                        "Last-Event-ID must be an event id (a non-negative integer), got '\(text)'")
                }
                lastEventID = id
            }
            return try await events.response(
                environment: environment, pipeline: query["pipeline"].map(String.init), lastEventID: lastEventID)
        }
        api.get("environments/:env/pipelines") { _, context in
            try await pipelines(try service(context))
        }
        api.get("environments/:env/blocks") { request, context in
            try await blocks(try service(context), request)
        }
        api.get("environments/:env/blocks/:id") { request, context in
            try await block(try service(context), request, id: context.parameters.get("id") ?? "")
        }
        api.get("environments/:env/documents") { request, context in
            try await document(try service(context), request)
        }
        api.get("environments/:env/instances") { _, context in
            Self.json(try await service(context).instancesJSON())
        }
        api.get("environments/:env/revisions") { request, context in
            Self.json(try await service(context).revisionsJSON(limit: try pageSize(request)))
        }
        api.get("environments/:env/actions") { request, context in
            Self.json(try await service(context).actionsJSON(limit: try pageSize(request)))
        }
        for (name, retry) in [("retry", true), ("cancel", false)] {
            api.post("environments/:env/blocks/\(name)") { request, context in
                let service = try service(context)
                let action = try await ActionRequest(request, fields: ActionRequest.blockFields)
                let selection = try action.selection()
                let actor = Self.actor(context)
                let count =
                    retry
                    ? try await service.retry(selection, actor: actor, reason: action.reason, via: "api")
                    : try await service.cancel(selection, actor: actor, reason: action.reason, via: "api")
                return Self.json(.object([("count", .int(count))]))
            }
        }
        for (name, paused) in [("pause", true), ("resume", false)] {
            api.post("environments/:env/pipelines/:pipeline/\(name)") { request, context in
                let service = try service(context)
                let action = try await ActionRequest(request)
                let pipeline = context.parameters.get("pipeline") ?? ""
                let changed = try await service.setPaused(
                    paused, pipeline: pipeline, actor: Self.actor(context), reason: action.reason, via: "api")
                return Self.json(.object([("changed", .bool(changed))]))
            }
        }
        registerReleases(on: api)
    }

    /// Revisions with their plan and diff, promotions, rollouts, and the decisions about them.
    private func registerReleases(on api: RouterGroup<APIContext>) {
        api.get("environments/:env/revisions/:number") { _, context in
            let text = context.parameters.get("number") ?? ""
            guard let number = Int64(text), number >= 1 else {
                throw Problem.badRequest("a revision number is 1 or more, got '\(text)'")
            }
            let service = try service(context)
            guard let revision = try await service.revisionJSON(number: number) else {
                throw Problem.notFound("no revision \(number) in \(service.environment)")
            }
            return Self.json(revision)
        }
        api.get("environments/:env/promotions") { request, context in
            Self.json(try await service(context).promotionsJSON(limit: try pageSize(request)))
        }
        api.get("environments/:env/rollouts") { _, context in
            Self.json(try await service(context).rolloutsJSON())
        }
        api.post("environments/:env/promote") { request, context in
            let service = try service(context)
            let action = try await ActionRequest(
                request, fields: ["reason", "freight", "sourceRevision", "rollback", "dryRun"])
            if action.rollback, action.freight == nil {
                throw Problem.badRequest("a rollback names the 'freight' to go back to")
            }
            let (promoted, body) = try await service.promote(
                freight: action.freight, sourceRevision: action.sourceRevision, rollback: action.rollback,
                dryRun: action.dryRun, actor: Self.actor(context), reason: action.reason)
            // A refusal is an answer, not a failure: its gates and reasons come back with 409.
            var response = Self.json(body)
            if !promoted { response.status = .conflict }
            return response
        }
        api.post("environments/:env/approve") { request, context in
            let service = try service(context)
            let action = try await ActionRequest(request, fields: ["reason", "freight", "sourceRevision"])
            return Self.json(
                try await service.approve(
                    freight: action.freight, sourceRevision: action.sourceRevision, actor: Self.actor(context),
                    reason: action.reason))
        }
        for (name, reject) in [("reject", true), ("unreject", false)] {
            api.post("environments/:env/\(name)") { request, context in
                let service = try service(context)
                let action = try await ActionRequest(request, fields: ["reason", "freight"])
                guard let freight = action.freight else { throw Problem.badRequest("'freight' is required") }
                return Self.json(
                    try await service.judge(
                        freight: freight, reject: reject, actor: Self.actor(context), reason: action.reason))
            }
        }
        for decision in RolloutService.Request.allCases {
            api.post("environments/:env/pipelines/:pipeline/rollout/\(decision.rawValue)") { request, context in
                let service = try service(context)
                let action = try await ActionRequest(request)
                return Self.json(
                    try await service.actOnRollout(
                        decision, pipeline: context.parameters.get("pipeline") ?? "", actor: Self.actor(context),
                        reason: action.reason))
            }
        }
    }

    static func actor(_ context: APIContext) -> String { "api:" + (context.identity?.name ?? "anonymous") }

    private func service(_ context: APIContext) throws -> OperatorService {
        try Self.service(context, in: services)
    }

    /// The environment the path names (`{env}`), or a 404 that lists the ones served: the API's and the console's.
    static func service(_ context: APIContext, in services: [String: OperatorService]) throws -> OperatorService {
        let name = context.parameters.get("env") ?? ""
        guard let service = services[name] else {
            throw Problem.notFound(
                "environment '\(name)' is not served here (served: \(services.keys.sorted().joined(separator: ", ")))")
        }
        return service
    }

    private func environments() async throws -> Response {
        var items: [JSONValue] = []
        for (_, service) in services.sorted(by: { $0.key < $1.key }) {
            items.append(try await service.environmentJSON())
        }
        return Self.json(.object([("items", .array(items))]))
    }

    private func pipelines(_ service: OperatorService) async throws -> Response {
        Self.json(try await service.pipelinesJSON())
    }

    private func blocks(_ service: OperatorService, _ request: Request) async throws -> Response {
        let query = request.uri.queryParameters
        var state: BlockState?
        if let text = query["state"].map(String.init) {
            guard let parsed = BlockState(rawValue: text) else {
                throw Problem.badRequest(
                    "state '\(text)' is not one of \(BlockState.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            state = parsed
        }
        var errorClass: ErrorClass?
        if let text = query["errorClass"].map(String.init) {
            guard let parsed = ErrorClass(rawValue: text) else {
                throw Problem.badRequest(
                    "errorClass '\(text)' is not one of " + ErrorClass.allCases.map(\.rawValue).joined(separator: ", "))
            }
            errorClass = parsed
        }
        return Self.json(
            try await service.blockPage(
                state: state, pipeline: query["pipeline"].map(String.init),
                language: query["language"].map(String.init),
                errorClass: errorClass, dataset: query["dataset"].map(String.init),
                after: query["after"].map(String.init), limit: try pageSize(request)))
    }

    private func block(_ service: OperatorService, _ request: Request, id: String) async throws -> Response {
        let query = request.uri.queryParameters
        let after =
            try query["eventsAfter"].map { text -> Int64 in
                guard let value = Int64(text), value >= 0 else {
                    throw Problem.badRequest("eventsAfter must be a non-negative integer, got '\(text)'")
                }
                return value
            } ?? 0
        let limit = try pageSize(request, name: "eventLimit")
        guard let detail = try await service.blockDetail(id: id, eventsAfter: after, eventLimit: limit) else {
            throw Problem.notFound("no block '\(id)' in \(service.environment)")
        }
        return Self.json(detail)
    }

    private func document(_ service: OperatorService, _ request: Request) async throws -> Response {
        let query = request.uri.queryParameters
        guard let id = query["id"].map(String.init) else {
            throw Problem.badRequest("name the document to look up: ?id=DOCUMENT_ID")
        }
        let dataset = query["dataset"].map(String.init)
        guard let found = try await service.documentLookup(id: id, dataset: dataset) else {
            let scope = dataset.map { " of dataset '\($0)'" } ?? ""
            throw Problem.notFound("no document '\(id)'\(scope) in \(service.environment)")
        }
        return Self.json(found)
    }

    static func json(_ value: JSONValue) -> Response {
        Response(
            status: .ok, headers: [.contentType: "application/json"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: value.encoded())))
    }

    private func pageSize(_ request: Request, name: String = "limit") throws -> Int {
        guard let text = request.uri.queryParameters[Substring(name)].map(String.init) else {
            return Self.defaultPageSize
        }
        guard let value = Int(text), (1...Self.maxPageSize).contains(value) else {
            throw Problem.badRequest("\(name) must be an integer from 1 to \(Self.maxPageSize), got '\(text)'")
        }
        return value
    }
}
