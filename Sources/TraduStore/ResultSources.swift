import TraduCore
import TraduPostgres

/// How the statements that hand a result's records to readers give each line its document's source
/// (`ResultRecords`): beside the records they select the block's stored documents, only for records stored
/// without the source copy, and the row merges the two.
enum ResultSources {
    /// SQL: the stored documents of the content `blockHash` names, when `records` was stored without the source
    /// copy; NULL otherwise, at the cost of a search that stops at the first line's second member (both arguments
    /// are SQL expressions). On a durable server, 200,000 results read in export order took 963 ms as they were,
    /// 1,136 to 1,154 ms with this column, and 1,677 to 1,679 ms with it once stored without the copy (the content
    /// probed for each; a `~` match and a probe through `blocks` took 1,370 and 3,110 ms, 2026-12-07).
    static func contentColumn(records: String, blockHash: String) -> String {
        """
        CASE WHEN strpos(\(records), '\(ResultRecords.sourceMember)') = 0 THEN (
            SELECT sc.records FROM block_contents sc WHERE sc.hash = \(blockHash)) END
        """
    }
}

extension PostgresRow {
    /// The records in `column`, with their sources from `content` when the statement selected the block's
    /// documents there (`ResultSources.contentColumn`); nil when `column` is NULL.
    func resultRecords(_ column: String, content: String) -> String? {
        guard let records = self[column] else { return nil }
        guard let documents = self[content] else { return records }
        return ResultRecords.withSources(records, content: documents)
    }

    /// `resultRecords(_:content:)` of a column that is never NULL.
    func requiredResultRecords(_ column: String, content: String) throws -> String {
        guard let records = resultRecords(column, content: content) else { return try required(column) }
        return records
    }
}
