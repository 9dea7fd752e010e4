import TraduCore
import TraduPostgres

/// Where a dataset's current cut ended its blocks, as stored: what cutter version 3 keeps (`BlockCutter`).
public struct StoredCut: Sendable, Equatable {
    /// The ids of the records that end a current (not cancelled) block of the dataset, in any pipeline.
    public var boundaries: Set<String> = []
    /// The dataset's last record when it was last applied (`dataset_cuts`); nil when no apply recorded it (the
    /// environment was cut before version 3 existed).
    public var lastRecord: String?

    public init(boundaries: Set<String> = [], lastRecord: String? = nil) {
        self.boundaries = boundaries
        self.lastRecord = lastRecord
    }
}

extension Store {
    /// Each dataset's current cut, by dataset name. Read through a cursor: a 10M-document dataset has a few hundred
    /// thousand boundaries. A content stored by a build that did not record its last record has it read from its
    /// records.
    public func storedCuts() async throws -> [String: StoredCut] {
        var cuts = try await forEachRowBatch(
            """
            SELECT DISTINCT p.dataset, coalesce(c.last_record, \(StoreMigrations.lastRecordOfContent("c.records")))
            FROM blocks b
            JOIN pipelines p ON p.name = b.pipeline
            JOIN block_contents c ON c.hash = b.block_hash
            WHERE b.state <> 'cancelled'
            """,
            into: [String: StoredCut]()
        ) { cuts, rows in
            for row in rows {
                let values = row.values
                guard let dataset = values[0], let boundary = values[1] else { continue }
                cuts[dataset, default: StoredCut()].boundaries.insert(boundary)
            }
        }
        for row in try await connection.query("SELECT dataset, last_record FROM dataset_cuts") {
            cuts[try row.required("dataset"), default: StoredCut()].lastRecord = row["last_record"]
        }
        return cuts
    }
}
