import Hummingbird
import TraduApp
import TraduCore
import TraduStore

/// API v1's routes (`api/openapi.yaml`): thin handlers over `OperatorService`, one per environment the server
/// was started for.
struct APIRoutes {
    let services: [String: OperatorService]

    static let maxPageSize = 500
    static let defaultPageSize = 100

    /// Every route as `METHOD /path` with `{name}` parameters, for the test that holds the document to them.
    static let all = [
        "GET /healthz", "GET /api/v1/openapi.yaml", "GET /api/v1/environments",
        "GET /api/v1/environments/{env}/pipelines", "GET /api/v1/environments/{env}/blocks",
        "GET /api/v1/environments/{env}/blocks/{id}", "GET /api/v1/environments/{env}/instances",
        "GET /api/v1/environments/{env}/revisions",
    ]

    func register(on router: Router<APIContext>, basePath: String) {
        let root = basePath.isEmpty ? router.group() : router.group(RouterPath(basePath))
        root.get("healthz") { _, _ in APIEncoding.json(.object([("status", .string("ok"))])) }
        let api = root.group("api/v1")
        api.get("openapi.yaml") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "application/yaml"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: OpenAPIDocument.yaml)))
        }
        api.get("environments") { _, _ in try await environments() }
        api.get("environments/:env/pipelines") { _, context in
            try await pipelines(try service(context))
        }
        api.get("environments/:env/blocks") { request, context in
            try await blocks(try service(context), request)
        }
        api.get("environments/:env/blocks/:id") { request, context in
            try await block(try service(context), request, id: context.parameters.get("id") ?? "")
        }
        api.get("environments/:env/instances") { _, context in
            let rows = try await service(context).instances()
            return APIEncoding.json(.object([("items", .array(rows.map(APIEncoding.instance)))]))
        }
        api.get("environments/:env/revisions") { request, context in
            let limit = try pageSize(request)
            let revisions = try await service(context).history(limit: limit)
            return APIEncoding.json(.object([("items", .array(revisions.map(APIEncoding.revision)))]))
        }
    }

    private func service(_ context: APIContext) throws -> OperatorService {
        let name = context.parameters.get("env") ?? ""
        guard let service = services[name] else {
            throw Problem.notFound(
                "environment '\(name)' is not served here (served: \(services.keys.sorted().joined(separator: ", ")))")
        }
        return service
    }

    private func environments() async throws -> Response {
        var items: [JSONValue] = []
        for (name, service) in services.sorted(by: { $0.key < $1.key }) {
            let report = try await service.status()
            items.append(
                .object([
                    ("name", .string(name)), ("pipelines", .int(report.counts.count)),
                    ("conditions", report.json["conditions"] ?? .array([])),
                ]))
        }
        return APIEncoding.json(.object([("items", .array(items))]))
    }

    private func pipelines(_ service: OperatorService) async throws -> Response {
        let report = try await service.status()
        return APIEncoding.json(.object([("items", report.json["pipelines"] ?? .array([]))]))
    }

    private func blocks(_ service: OperatorService, _ request: Request) async throws -> Response {
        let query = request.uri.queryParameters
        var filter = BlockPageFilter()
        if let state = query["state"].map(String.init) {
            guard let parsed = BlockState(rawValue: state) else {
                throw Problem.badRequest(
                    "state '\(state)' is not one of \(BlockState.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            filter.state = parsed
        }
        if let errorClass = query["errorClass"].map(String.init) {
            guard ErrorClass(rawValue: errorClass) != nil else {
                throw Problem.badRequest(
                    "errorClass '\(errorClass)' is not one of "
                        + ErrorClass.allCases.map(\.rawValue).joined(separator: ", "))
            }
            filter.errorClass = errorClass
        }
        filter.pipeline = query["pipeline"].map(String.init)
        filter.targetLanguage = query["language"].map(String.init)
        filter.dataset = query["dataset"].map(String.init)
        let limit = try pageSize(request)
        let page = try await service.blockPage(filter, after: query["after"].map(String.init), limit: limit)
        var body: [(String, JSONValue)] = [("items", .array(page.blocks.map(APIEncoding.block)))]
        if let next = page.next { body.append(("next", .string(next))) }
        return APIEncoding.json(.object(body))
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
        var fields: [(String, JSONValue)] = [
            ("block", APIEncoding.block(detail.block)), ("events", .array(detail.events.map(APIEncoding.event))),
            ("results", .array(detail.results.map(APIEncoding.result))),
        ]
        if let next = detail.nextEvent { fields.append(("nextEvent", .int(Int(next)))) }
        return APIEncoding.json(.object(fields))
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
