import Foundation
import TraduCore
import TraduHTTP

/// The provider side of `mode: batch`: OpenAI's Files and Batches endpoints (`POST /files`, `POST /batches`,
/// `GET /batches`, `GET /batches/{id}`, `GET /files/{id}/content`), limited to what tradu uses.
///
/// Every batch is created with `metadata.tradu_submission` set to tradu's own key for it, so that a process that
/// died between creating a batch and recording its id can be followed by one that finds the batch again instead
/// of submitting it twice (`find(submission:)`).
public struct OpenAIBatchAPI: Sendable {
    /// A batch as the provider describes it.
    public struct Batch: Sendable, Hashable {
        public var id: String
        /// validating, failed, in_progress, finalizing, completed, expired, cancelling, cancelled.
        public var status: String
        public var outputFileID: String?
        public var errorFileID: String?
        public var submission: String?
        /// The provider's errors for a batch that failed as a whole (a malformed input file).
        public var errors: [String]

        /// Whether the provider is done with it: its files are final.
        public var isEnded: Bool { ["completed", "failed", "expired", "cancelled"].contains(status) }
    }

    public static let submissionKey = "tradu_submission"

    let engineName: String
    let base: String
    let apiKey: SecretValue?
    let apiKeyVariable: String?
    let httpClient: HTTPClient
    let timeout: Duration

    public init(_ engine: Engine, environment: [String: String], httpClient: HTTPClient) throws(BlockFailure) {
        engineName = engine.name
        var endpoint = engine.endpoint
        while endpoint.hasSuffix("/") { endpoint.removeLast() }
        base = endpoint
        apiKeyVariable = engine.apiKey?.environmentVariable
        if let variable = apiKeyVariable {
            guard let value = environment[variable], !value.isEmpty else {
                throw BlockFailure(
                    .logic, "engine '\(engine.name)': environment variable \(variable) (spec.apiKeyFrom) is not set")
            }
            apiKey = SecretValue(value)
        } else {
            apiKey = nil
        }
        self.httpClient = httpClient
        timeout = max(engine.timeout.duration, .seconds(60))
    }

    private var failures: OpenAIFailures {
        OpenAIFailures(
            engineName: engineName, url: OpenAIEngine.displayURL(base), apiKeyVariable: apiKeyVariable, apiKey: apiKey)
    }

    /// Uploads a JSONL input file (`purpose=batch`); returns its id.
    public func upload(_ jsonl: String, filename: String) async throws(BlockFailure) -> String {
        let boundary = "tradu-" + UUID().uuidString
        var body = ""
        body += "--\(boundary)\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\nbatch\r\n"
        body += "--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"\(filename)\"\r\n"
        body += "Content-Type: application/jsonl\r\n\r\n"
        var bytes = Array(body.utf8)
        bytes += Array(jsonl.utf8)
        bytes += Array("\r\n--\(boundary)--\r\n".utf8)
        let object = try await send(
            .post, "/files", body: bytes, contentType: "multipart/form-data; boundary=\(boundary)")
        guard let id = object["id"] as? String else { throw failures.data("the file upload's answer has no id") }
        return id
    }

    /// Creates a batch of the uploaded file, tagged with tradu's submission key.
    public func create(fileID: String, completionWindow: DurationValue, submission: String) async throws(BlockFailure)
        -> Batch
    {
        let request = JSONValue.object([
            ("input_file_id", .string(fileID)), ("endpoint", .string("/v1/chat/completions")),
            ("completion_window", .string("\(completionWindow.milliseconds / 3_600_000)h")),
            ("metadata", .object([(Self.submissionKey, .string(submission))])),
        ])
        return try batch(
            try await send(.post, "/batches", body: Array(request.encoded().utf8), contentType: "application/json"))
    }

    public func retrieve(_ id: String) async throws(BlockFailure) -> Batch {
        try batch(try await send(.get, "/batches/\(id)"))
    }

    /// The batch created for `submission`, looked up among the most recent batches (newest first, up to
    /// `pages` pages of 100), or nil when the provider holds none.
    public func find(submission: String, pages: Int = 20) async throws(BlockFailure) -> Batch? {
        var after: String?
        for _ in 0..<pages {
            let page = try await send(.get, "/batches?limit=100" + (after.map { "&after=\($0)" } ?? ""))
            guard let items = page["data"] as? [[String: Any]] else { return nil }
            for item in items {
                if let found = try? batch(item), found.submission == submission { return found }
            }
            guard page["has_more"] as? Bool == true, let last = items.last?["id"] as? String else { return nil }
            after = last
        }
        return nil
    }

    /// A file's content (an output or error file: JSONL).
    public func content(ofFile id: String) async throws(BlockFailure) -> [UInt8] {
        try await sendRaw(.get, "/files/\(id)/content", body: [], contentType: nil)
    }

    private func batch(_ object: [String: Any]) throws(BlockFailure) -> Batch {
        guard let id = object["id"] as? String, let status = object["status"] as? String else {
            throw failures.data("the batch object has no id or status")
        }
        var errors: [String] = []
        if let items = (object["errors"] as? [String: Any])?["data"] as? [[String: Any]] {
            errors = items.compactMap { item in
                (item["message"] as? String).map { message in
                    ((item["line"] as? Int).map { "line \($0): " } ?? "") + message
                }
            }
        }
        return Batch(
            id: id, status: status, outputFileID: object["output_file_id"] as? String,
            errorFileID: object["error_file_id"] as? String,
            submission: (object["metadata"] as? [String: Any])?[Self.submissionKey] as? String, errors: errors)
    }

    private func send(_ method: HTTPMethod, _ path: String, body: [UInt8] = [], contentType: String? = nil)
        async throws(BlockFailure) -> [String: Any]
    {
        let bytes = try await sendRaw(method, path, body: body, contentType: contentType)
        guard let object = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any] else {
            throw failures.data(
                "\(method) \(path): the answer is not a JSON object: "
                    + FailureText.clip(String(decoding: bytes.prefix(512), as: UTF8.self)))
        }
        return object
    }

    private func sendRaw(_ method: HTTPMethod, _ path: String, body: [UInt8], contentType: String?)
        async throws(BlockFailure) -> [UInt8]
    {
        var headers: HTTPHeaders = ["Accept": "application/json"]
        if let contentType { headers["Content-Type"] = contentType }
        if let apiKey { headers["Authorization"] = "Bearer " + apiKey.exposed }
        let request = HTTPRequest(
            method: method, url: base + path, headers: headers, body: body, timeout: timeout,
            connectTimeout: min(timeout, OpenAIEngine.maxConnectTimeout), maxResponseBytes: 512 << 20, maxRedirects: 0)
        let response: HTTPResponse
        do {
            response = try await httpClient.send(request)
        } catch {
            throw failures.transport(error)
        }
        guard response.isSuccess else { throw failures.status(response, now: Date().timeIntervalSince1970) }
        return response.body
    }
}
