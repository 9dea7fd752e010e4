/// The result of a statement, copied out of libpq into Swift values (text format; NULL is nil).
public struct PostgresRows: Sendable, RandomAccessCollection {
    /// Column names in result order.
    public var columns: [String] { layout.names }
    /// The command tag, e.g. `SELECT 3`, `INSERT 0 1`, `UPDATE 2`.
    public let commandTag: String
    /// Rows affected by INSERT/UPDATE/DELETE/MERGE/COPY/SELECT, when the command reports a count.
    public let affectedRows: Int?

    private let layout: PostgresColumnLayout
    private let rows: [PostgresRow]

    init(layout: PostgresColumnLayout, rows: [PostgresRow], commandTag: String, affectedRows: Int?) {
        self.layout = layout
        self.rows = rows
        self.commandTag = commandTag
        self.affectedRows = affectedRows
    }

    public var startIndex: Int { rows.startIndex }
    public var endIndex: Int { rows.endIndex }
    public subscript(position: Int) -> PostgresRow { rows[position] }
}

/// One row. Look values up by column name (`row["name"]`) or position (`row[0]`).
public struct PostgresRow: Sendable {
    /// The raw text values; nil is SQL NULL.
    public let values: [String?]
    private let layout: PostgresColumnLayout

    init(layout: PostgresColumnLayout, values: [String?]) {
        self.layout = layout
        self.values = values
    }

    public var columns: [String] { layout.names }

    /// The value of the named column, nil when NULL. An unknown column name is a programming error and traps.
    public subscript(column: String) -> String? {
        values[index(of: column)]
    }

    public subscript(position: Int) -> String? {
        values[position]
    }

    /// Whether the result has a column with this name.
    public func hasColumn(_ column: String) -> Bool {
        layout.indexByName[column] != nil
    }

    public func string(_ column: String) -> String? {
        self[column]
    }

    /// The column as an `Int`; nil when NULL; throws when the text is not an integer.
    public func int(_ column: String) throws -> Int? {
        try decode(column, as: "integer") { Int($0) }
    }

    public func int64(_ column: String) throws -> Int64? {
        try decode(column, as: "bigint") { Int64($0) }
    }

    public func double(_ column: String) throws -> Double? {
        try decode(column, as: "double precision") { Double($0) }
    }

    /// PostgreSQL's text form of a boolean is `t` or `f`.
    public func bool(_ column: String) throws -> Bool? {
        try decode(column, as: "boolean") { text in
            switch text {
            case "t", "true": true
            case "f", "false": false
            default: nil
            }
        }
    }

    private func decode<T>(_ column: String, as type: String, _ parse: (String) -> T?) throws -> T? {
        guard let text = self[column] else { return nil }
        guard let value = parse(text) else {
            throw PostgresError(kind: .decoding, message: "column \"\(column)\" value \"\(text)\" is not a \(type)")
        }
        return value
    }

    private func index(of column: String) -> Int {
        guard let index = layout.indexByName[column] else {
            preconditionFailure("result has no column \"\(column)\" (columns: \(layout.names.joined(separator: ", ")))")
        }
        return index
    }
}

/// Column names shared by every row of one result, so rows do not each copy the name table.
final class PostgresColumnLayout: Sendable {
    let names: [String]
    let indexByName: [String: Int]

    init(names: [String]) {
        self.names = names
        var index: [String: Int] = [:]
        // With duplicate names (`select 1 as a, 2 as a`) the first one wins, like most drivers.
        for (position, name) in names.enumerated() where index[name] == nil {
            index[name] = position
        }
        self.indexByName = index
    }
}

extension PostgresRows {
    /// A result with no columns and no rows.
    public static let empty = PostgresRows(
        layout: PostgresColumnLayout(names: []), rows: [], commandTag: "", affectedRows: nil)
}
