import Foundation
import TraduPostgres

/// The PostgreSQL schema that holds one tradu environment's tables. Environments never share a schema, so they
/// never see each other's rows.
public struct EnvironmentSchema: Sendable, Hashable, CustomStringConvertible {
    /// The schema name, unquoted: lowercase letters, digits and `_`, at most 63 bytes.
    public let name: String

    /// PostgreSQL silently truncates longer identifiers, which could make two environments share a schema.
    public static let maximumNameLength = 63

    /// `tradu_<environment>` with `-` replaced by `_`. `environment` must be a DNS label: lowercase letters,
    /// digits and `-`, starting and ending with a letter or digit.
    public init(environment: String) throws {
        let valid =
            !environment.isEmpty && environment.utf8.count <= 63
            && environment.utf8.allSatisfy { ($0 >= 97 && $0 <= 122) || ($0 >= 48 && $0 <= 57) || $0 == 45 }
            && environment.first != "-" && environment.last != "-"
        guard valid else {
            throw StoreError.invalidEnvironmentName(
                environment,
                reason: "must be a DNS label: lowercase letters, digits and '-', not starting or ending with '-'")
        }
        try self.init(name: "tradu_" + environment.replacingOccurrences(of: "-", with: "_"))
    }

    /// An explicit schema name (for an `Environment` that names its own schema).
    public init(name: String) throws {
        guard let first = name.utf8.first, first == 95 || (first >= 97 && first <= 122) else {
            throw StoreError.invalidSchemaName(name, reason: "must start with a lowercase letter or '_'")
        }
        guard name.utf8.allSatisfy({ ($0 >= 97 && $0 <= 122) || ($0 >= 48 && $0 <= 57) || $0 == 95 }) else {
            throw StoreError.invalidSchemaName(name, reason: "may contain only lowercase letters, digits and '_'")
        }
        guard name.utf8.count <= EnvironmentSchema.maximumNameLength else {
            throw StoreError.invalidSchemaName(
                name, reason: "is longer than \(EnvironmentSchema.maximumNameLength) characters")
        }
        guard !name.hasPrefix("pg_") else {
            throw StoreError.invalidSchemaName(name, reason: "names starting with 'pg_' are reserved by PostgreSQL")
        }
        self.name = name
    }

    /// The name as a quoted SQL identifier, for statements that cannot take a parameter.
    public var quoted: String { "\"\(name)\"" }

    public var description: String { name }
}
