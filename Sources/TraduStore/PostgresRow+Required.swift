import TraduPostgres

extension PostgresRow {
    /// The column's text, throwing rather than trapping or defaulting when it is NULL: a NULL in a NOT NULL
    /// column means the schema is not what this code expects.
    func required(_ column: String) throws -> String {
        guard let value = self[column] else {
            throw StoreError.unexpectedData("column \"\(column)\" is unexpectedly NULL")
        }
        return value
    }

    /// The column parsed by `parse` (e.g. `Int64.init`), throwing when it is NULL or does not parse.
    func required<T>(_ column: String, _ parse: (String) -> T?) throws -> T {
        let text = try required(column)
        guard let value = parse(text) else {
            throw StoreError.unexpectedData("column \"\(column)\" value \"\(text)\" is not valid")
        }
        return value
    }
}
