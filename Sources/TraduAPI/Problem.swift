import Foundation
import Hummingbird
import TraduApp
import TraduCore

/// An RFC 9457 problem: every error the API answers, as `application/problem+json`.
public struct Problem: Error, Sendable {
    public var status: HTTPResponse.Status
    public var title: String
    public var detail: String

    public init(_ status: HTTPResponse.Status, _ title: String, _ detail: String) {
        self.status = status
        self.title = title
        self.detail = detail
    }

    /// The use cases' own refusals: what the request named does not fit (400), is not there (404), or was refused
    /// (409).
    init(_ error: TraduError) {
        switch error {
        case .rejected(let message): self.init(.conflict, "Refused", message)
        case .configuration(let message): self.init(.badRequest, "Bad request", message)
        case .notFound(let message): self = .notFound(message)
        case .invalidManifests, .invalidData:
            self.init(.unprocessableContent, "The project folder does not validate", "\(error)")
        }
    }

    static func notFound(_ detail: String) -> Problem { Problem(.notFound, "Not found", detail) }
    static func badRequest(_ detail: String) -> Problem { Problem(.badRequest, "Bad request", detail) }

    func response(instance: String, requestID: String) -> Response {
        let body = JSONValue.object([
            ("type", .string("about:blank")), ("title", .string(title)), ("status", .int(Int(status.code))),
            ("detail", .string(detail)), ("instance", .string(instance)), ("requestId", .string(requestID)),
        ])
        return Response(
            status: status, headers: [.contentType: "application/problem+json"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: body.encoded())))
    }
}
