import TraduCore
import TraduPostgres

/// How the statements that hand a few results' records to readers give back the sources of records stored without
/// them (`ResultRecords`): they read the records as stored, and the blocks of those that lack their sources have
/// their stored documents read by one more statement and merged in. Records that have their sources cost a search
/// of their first line and nothing on the server. The export's cursor, which reads every result, joins the
/// contents in its own statement instead (`Store.forEachResultBatch`).
enum ResultSources {
    /// The stored documents of the blocks `$1` names, by block id.
    static let contentsSQL = """
        SELECT b.id, c.records FROM blocks b JOIN block_contents c ON c.hash = b.block_hash
        WHERE b.id = ANY($1::text[])
        """

    /// The blocks, among `blockIDs` (in step with `records`), whose records lack their sources.
    static func blocksLackingSources(_ records: [String?], of blockIDs: [String]) -> [String] {
        var lacking = Set<String>()
        for (records, id) in zip(records, blockIDs) where records.map(ResultRecords.lackSource) == true {
            lacking.insert(id)
        }
        return lacking.sorted()
    }

    /// `records` (of `blockIDs`, in step) with sources merged back from `contents`, documents by block id.
    static func merge(_ records: [String?], of blockIDs: [String], contents: PostgresRows) throws -> [String?] {
        var documents: [String: String] = [:]
        for row in contents { documents[try row.required("id")] = try row.required("records") }
        return zip(records, blockIDs).map { records, id in
            guard let records, let content = documents[id], ResultRecords.lackSource(records) else { return records }
            return ResultRecords.withSources(records, content: content)
        }
    }

    /// `rows` with `records` (in step) in place of theirs where there is one.
    static func replacingRecords(of rows: [ResultRow], with records: [String?]) -> [ResultRow] {
        zip(rows, records).map { row, records in
            var row = row
            row.records = records ?? row.records
            return row
        }
    }
}

extension Store {
    /// `records` (of `blockIDs`, in step) with their sources: one more statement when some lack them.
    func withSources(_ records: [String?], of blockIDs: [String]) async throws -> [String?] {
        let lacking = ResultSources.blocksLackingSources(records, of: blockIDs)
        guard !lacking.isEmpty else { return records }
        return try ResultSources.merge(
            records, of: blockIDs,
            contents: try await connection.query(ResultSources.contentsSQL, [SQLText.arrayLiteral(lacking)]))
    }

    /// `rows` with their sources (`withSources(_:of:)`).
    func withSources(_ rows: [ResultRow]) async throws -> [ResultRow] {
        ResultSources.replacingRecords(
            of: rows, with: try await withSources(rows.map(\.records), of: rows.map(\.blockID)))
    }
}
