import Foundation
import TraduCore
import TraduStore

/// Reads a provider batch's output and error files (JSON Lines) into answers per request.
///
/// A line with a `response` is an answer, whatever its status: the engine classifies a non-2xx status as it would
/// a synchronous one (429 capacity, 5xx dependency, other 4xx logic). A line with only an `error` is a failure
/// classified by its code, except `batch_expired` and `batch_cancelled`: those requests were never run, so they
/// stay pending and are resubmitted.
enum ProviderBatchFiles {
    static func answers(in content: [UInt8]) -> [BatchAnswer] {
        var answers: [BatchAnswer] = []
        for line in content.split(separator: UInt8(ascii: "\n")) where !line.isEmpty {
            guard let object = try? JSONSerialization.jsonObject(with: Data(line)) as? [String: Any],
                let customID = object["custom_id"] as? String
            else { continue }
            if let response = object["response"] as? [String: Any], let status = response["status_code"] as? Int {
                let body = response["body"].flatMap { try? JSONSerialization.data(withJSONObject: $0) }
                answers.append(
                    .answered(customID, status: status, body: body.map { String(decoding: $0, as: UTF8.self) } ?? ""))
            } else if let error = object["error"] as? [String: Any] {
                let code = error["code"] as? String ?? ""
                if code == "batch_expired" || code == "batch_cancelled" { continue }
                answers.append(
                    .failed(
                        customID, errorClass: errorClass(code: code).rawValue,
                        error: "\(code.isEmpty ? "error" : code): \(error["message"] as? String ?? "no message")"))
            }
        }
        return answers
    }

    static func errorClass(code: String) -> ErrorClass {
        if code.contains("rate_limit") || code.contains("quota") { return .capacity }
        if code.contains("server_error") || code.contains("timeout") || code.contains("unavailable") {
            return .dependency
        }
        return .logic
    }
}
