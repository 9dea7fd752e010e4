import CLibPQ
import Foundation

/// Helpers for conninfo strings (`postgresql://user:secret@host/db` or `host=/run/pg port=5432 dbname=x`) that
/// keep passwords out of errors and logs.
public enum PostgresConnectionString {
    /// The conninfo with any password replaced by `***`, safe to print.
    public static func redacted(_ conninfo: String) -> String {
        var text = conninfo
        // URI userinfo: scheme://user:password@host
        if let schemeEnd = text.range(of: "://") {
            let authorityEnd =
                text[schemeEnd.upperBound...].firstIndex(where: { $0 == "/" || $0 == "?" }) ?? text.endIndex
            if let at = text[schemeEnd.upperBound..<authorityEnd].lastIndex(of: "@"),
                let colon = text[schemeEnd.upperBound..<at].firstIndex(of: ":")
            {
                text.replaceSubrange(text.index(after: colon)..<at, with: "***")
            }
        }
        // URI query parameter password=... (up to & or end)
        text = text.replacingOccurrences(
            of: #"([?&]password=)[^&]*"#, with: "$1***", options: [.regularExpression, .caseInsensitive])
        // keyword/value: password=secret or password='se cret'
        text = text.replacingOccurrences(
            of: #"(^|\s)(password\s*=\s*)('(\\.|[^'])*'|\S*)"#, with: "$1$2***",
            options: [.regularExpression, .caseInsensitive])
        return text
    }

    /// "user@host:port/dbname" for messages: what the connection points at, without secrets. Falls back to the
    /// redacted string when libpq cannot parse it.
    public static func target(_ conninfo: String) -> String {
        let options = parse(conninfo)
        guard let options else { return redacted(conninfo) }
        let user = options["user"].map { "\($0)@" } ?? ""
        let host = options["host"] ?? options["hostaddr"] ?? "localhost"
        let port = options["port"].map { ":\($0)" } ?? ""
        let database = options["dbname"].map { "/\($0)" } ?? ""
        return "\(user)\(host)\(port)\(database)"
    }

    /// The password in the conninfo, if any, so it can be scrubbed from messages libpq builds.
    static func password(_ conninfo: String) -> String? {
        parse(conninfo)?["password"]
    }

    /// The options the string sets explicitly, parsed by libpq itself.
    static func parse(_ conninfo: String) -> [String: String]? {
        guard let options = PQconninfoParse(conninfo, nil) else { return nil }
        defer { PQconninfoFree(options) }
        var result: [String: String] = [:]
        var option = options
        while let keyword = option.pointee.keyword {
            if let value = option.pointee.val {
                result[String(cString: keyword)] = String(cString: value)
            }
            option += 1
        }
        return result
    }
}
