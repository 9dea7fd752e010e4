import Foundation
import TraduCore

/// JSON text the store wrote itself (jsonb columns read back as text), decoded into a `JSONValue`. Booleans
/// come back as numbers: the documents read this way (rollout specs, field lists) hold none.
enum StoredJSON {
    static func parse(_ text: String) -> JSONValue? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])
        else { return nil }
        return value(object)
    }

    private static func value(_ object: Any) -> JSONValue {
        switch object {
        case let number as NSNumber:
            let double = number.doubleValue
            if double == double.rounded(), abs(double) < 1e15, !"\(number)".contains(".") {
                return .int(number.intValue)
            }
            return .double(double)
        case let text as String: return .string(text)
        case let array as [Any]: return .array(array.map(value))
        case let dictionary as [String: Any]:
            return .object(dictionary.keys.sorted().map { ($0, value(dictionary[$0]!)) })
        default: return .null
        }
    }
}
