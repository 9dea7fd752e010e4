import Foundation
import Logging
import TraduCore
import TraduHTTP
import TraduStore

/// The `webhook` sinks: the leading controller posts each completed block to its pipeline's webhooks.
/// Delivery state lives in `sink_deliveries`, keyed by (block, sink, result version, attempt), so a delivered
/// block is never sent again after a restart, and a rollout's promoted results go out as a new version (the
/// `version` field, the processing-spec hash); every request carries an `Idempotency-Key` (block, version,
/// attempt, sink) so a receiver can drop the
/// duplicate of a request whose answer was lost. Failed tries back off exponentially, up to `maxTries`.
struct WebhookDeliverer: Sendable {
    static let maxTries = 10

    var environment: String
    var variables: [String: String]
    var logger: Logger
    var httpClient = HTTPClient(maxConcurrentRequests: 8)

    struct Target: Sendable {
        var url: String
        var signingKey: String?
    }

    /// The webhook sinks of the applied pipelines, by `(pipeline, sink name)`.
    static func targets(_ resolved: ResolvedManifests, variables: [String: String]) -> [String: Target] {
        var targets: [String: Target] = [:]
        for pipeline in resolved.pipelines.values {
            for (index, sink) in pipeline.sinks.enumerated() {
                guard case .webhook(let url, let key) = sink else { continue }
                targets["\(pipeline.name)\u{0}webhook-\(index)"] = Target(
                    url: url, signingKey: key.flatMap { variables[$0.environmentVariable] })
            }
        }
        return targets
    }

    func deliver(_ store: Store, resolved: ResolvedManifests) async throws {
        let targets = Self.targets(resolved, variables: variables)
        guard !targets.isEmpty else { return }
        let sinks = targets.keys.sorted().map { key -> (pipeline: String, sink: String) in
            let parts = key.split(separator: "\u{0}").map(String.init)
            return (parts[0], parts[1])
        }
        try await store.enqueueDeliveries(sinks)
        let due = try await store.dueDeliveries(limit: 64)
        guard !due.isEmpty else { return }
        let outcomes = await withTaskGroup(of: (SinkDelivery, String?, Duration?).self) { group in
            for delivery in due {
                guard let target = targets["\(delivery.pipeline)\u{0}\(delivery.sink)"] else { continue }
                group.addTask { await post(delivery, to: target) }
            }
            var outcomes: [(SinkDelivery, String?, Duration?)] = []
            for await outcome in group { outcomes.append(outcome) }
            return outcomes
        }
        for (delivery, error, retryAfter) in outcomes {
            if let error {
                let giveUp = delivery.tries + 1 >= Self.maxTries
                let backoff = retryAfter ?? .seconds(min(300, 1 << min(delivery.tries, 8)))
                try await store.markDeliveryFailed(delivery, error: error, retryAfter: giveUp ? nil : backoff)
                logger.warning(
                    "webhook delivery failed",
                    metadata: [
                        "block_id": "\(delivery.blockID)", "pipeline": "\(delivery.pipeline)", "error": "\(error)",
                        "tries": "\(delivery.tries + 1)", "to": "\(giveUp ? "failed" : "pending")",
                    ])
            } else {
                try await store.markDelivered(delivery)
            }
        }
    }

    /// One try: nil error on a 2xx answer.
    private func post(_ delivery: SinkDelivery, to target: Target) async -> (SinkDelivery, String?, Duration?) {
        let records = delivery.records.split(separator: "\n").joined(separator: ",")
        var body = "{\"formatVersion\":1,\"environment\":"
        JSONValue.appendQuoted(environment, to: &body)
        body += ",\"pipeline\":"
        JSONValue.appendQuoted(delivery.pipeline, to: &body)
        body += ",\"block\":"
        JSONValue.appendQuoted(delivery.blockID, to: &body)
        body += ",\"language\":"
        JSONValue.appendQuoted(delivery.targetLanguage, to: &body)
        body += ",\"version\":"
        JSONValue.appendQuoted(delivery.specHash, to: &body)
        body += ",\"attempt\":\(delivery.attempt),\"records\":[\(records)]}"
        var headers: HTTPHeaders = [
            "Content-Type": "application/json",
            "Idempotency-Key":
                "\(delivery.blockID)-\(delivery.specHash.prefix(16))-\(delivery.attempt)-\(delivery.sink)",
        ]
        if let key = target.signingKey {
            headers["X-Tradu-Signature"] = "sha256=" + ContentHash.hmacSHA256(key: key, message: body)
        }
        do {
            let response = try await httpClient.send(
                HTTPRequest(
                    method: .post, url: target.url, headers: headers, body: Array(body.utf8), timeout: .seconds(30)))
            if response.isSuccess { return (delivery, nil, nil) }
            return (delivery, "HTTP \(response.status)", response.retryAfter)
        } catch {
            return (delivery, "\(error)", nil)
        }
    }
}
