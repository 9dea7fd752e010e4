import Foundation

/// What a run's WAL is made of, by record type, from `pg_waldump --stats=record` between the run's first and
/// last LSN (`tradu-bench run --wal-records`, embedded server only: it reads the server's `pg_wal`). Counts
/// of records and bytes do not depend on the machine's noise, so they say which write a change removed.
struct WalRecordKind: Sendable, Hashable {
    /// pg_waldump's name, such as `Heap/UPDATE` or `Btree/INSERT_LEAF`.
    var type: String
    var count: Int
    var recordBytes: Int64
    var fullPageBytes: Int64

    var bytes: Int64 { recordBytes + fullPageBytes }
}

/// The WAL records that touched one relation (the first block a record references), and their bytes.
struct WalRelationShare: Sendable, Hashable {
    var relation: String
    var count: Int
    var bytes: Int64
}

enum WalRecords {
    static let shown = 12

    /// Keeps every segment the run writes until it is read (checkpoints would recycle them at 200,000 blocks).
    static let keepSetting = ("wal_keep_size", "64GB")

    /// pg_waldump beside the server's binaries (see `RunBench.findPostgresTool`).
    private static func waldump() throws -> String {
        guard let path = RunBench.findPostgresTool("pg_waldump") else {
            throw BenchFailure("pg_waldump not found in /usr/lib/postgresql/*/bin or PATH")
        }
        return path
    }

    /// The record types written between `start` and `end`, the largest first.
    static func read(dataDirectory: String, start: String, end: String) throws -> [WalRecordKind] {
        let output = try RunBench.runProcess(
            try waldump(), ["--stats=record", "--path", dataDirectory + "/pg_wal", "--start", start, "--end", end])
        let kinds = parse(output)
        guard !kinds.isEmpty else { throw BenchFailure("no record statistics in pg_waldump's output:\n\(output)") }
        return kinds
    }

    /// The run's WAL by the relation each record touched first, the largest first. `names` maps a relfilenode
    /// to its relation's name; records without a block reference (commits) are counted as "(none)".
    static func byRelation(dataDirectory: String, start: String, end: String, names: [String: String]) throws
        -> [WalRelationShare]
    {
        let output = try RunBench.runProcess(
            try waldump(), ["--path", dataDirectory + "/pg_wal", "--start", start, "--end", end])
        var shares: [String: WalRelationShare] = [:]
        for line in output.split(separator: "\n") {
            guard let total = totalLength(line) else { continue }
            let node = relfilenode(line)
            let relation = node.map { names[$0] ?? "filenode \($0)" } ?? "(none)"
            shares[relation, default: WalRelationShare(relation: relation, count: 0, bytes: 0)].count += 1
            shares[relation]!.bytes += total
        }
        return shares.values.sorted { $0.bytes > $1.bytes }
    }

    /// `len (rec/tot):     59/    59`: the record's total length, full-page images included.
    static func totalLength(_ line: Substring) -> Int64? {
        guard let range = line.range(of: "len (rec/tot):") else { return nil }
        let rest = line[range.upperBound...].drop { $0 == " " }
        guard let slash = rest.firstIndex(of: "/") else { return nil }
        return Int64(rest[rest.index(after: slash)...].drop { $0 == " " }.prefix { $0.isNumber })
    }

    /// The relfilenode of `blkref #0: rel 1663/5/16384 blk 0`, if the record references a block.
    static func relfilenode(_ line: Substring) -> String? {
        guard let range = line.range(of: "blkref #0: rel ") else { return nil }
        let path = line[range.upperBound...].prefix { $0 != " " && $0 != "," }
        return path.split(separator: "/").last.map(String.init)
    }

    /// Rows of `pg_waldump --stats=record`: `Type N (%) Record size (%) FPI size (%) Combined size (%)`.
    static func parse(_ output: String) -> [WalRecordKind] {
        output.split(separator: "\n").compactMap { line -> WalRecordKind? in
            let fields = line.replacingOccurrences(of: #"\([^)]*\)"#, with: " ", options: .regularExpression)
                .split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count == 5, fields[0].contains("/"), let count = Int(fields[1]),
                let record = Int64(fields[2]), let fullPage = Int64(fields[3])
            else { return nil }
            return WalRecordKind(type: String(fields[0]), count: count, recordBytes: record, fullPageBytes: fullPage)
        }
        .sorted { $0.bytes > $1.bytes }
    }
}
