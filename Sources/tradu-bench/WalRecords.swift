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
    /// to its relation's name; records without a block reference (commits) are counted as "(none)". pg_waldump
    /// writes a line per record (tens of millions over a million blocks), so its output is read a line at a time
    /// from its file and parsed on its bytes.
    static func byRelation(dataDirectory: String, start: String, end: String, names: [String: String]) throws
        -> [WalRelationShare]
    {
        // By relfilenode; nil for records that reference no block.
        var byNode: [Int?: (count: Int, bytes: Int64)] = [:]
        try RunBench.runProcess(
            try waldump(), ["--path", dataDirectory + "/pg_wal", "--start", start, "--end", end]
        ) { outputPath in
            try forEachLine(ofFile: outputPath) { line in
                guard let total = totalLength(line) else { return }
                let node = relfilenode(line)
                byNode[node, default: (0, 0)].count += 1
                byNode[node]!.bytes += total
            }
        }
        var shares: [String: WalRelationShare] = [:]
        for (node, share) in byNode {
            let relation = node.map { names[String($0)] ?? "filenode \($0)" } ?? "(none)"
            shares[relation, default: WalRelationShare(relation: relation, count: 0, bytes: 0)].count += share.count
            shares[relation]!.bytes += share.bytes
        }
        return shares.values.sorted { $0.bytes > $1.bytes }
    }

    /// Hands each line of the file at `path` (without its newline) to `body`, holding one line at a time.
    static func forEachLine(ofFile path: String, _ body: (UnsafeBufferPointer<UInt8>) throws -> Void) throws {
        guard let file = fopen(path, "r") else {
            throw BenchFailure("cannot read \(path): \(String(cString: strerror(errno)))")
        }
        defer { fclose(file) }
        var buffer: UnsafeMutablePointer<CChar>?
        var capacity = 0
        defer { free(buffer) }
        while true {
            let length = getline(&buffer, &capacity, file)
            guard length >= 0, let buffer else { return }
            let bytes = UnsafeRawPointer(buffer).assumingMemoryBound(to: UInt8.self)
            let end = length > 0 && bytes[length - 1] == UInt8(ascii: "\n") ? length - 1 : length
            try body(UnsafeBufferPointer(start: bytes, count: end))
        }
    }

    /// `len (rec/tot):     59/    59`: the record's total length, full-page images included.
    static func totalLength(_ line: UnsafeBufferPointer<UInt8>) -> Int64? {
        guard var index = end(of: "len (rec/tot):", in: line) else { return nil }
        index = skipSpaces(line, from: index)
        guard number(line, from: &index) != nil, index < line.count, line[index] == UInt8(ascii: "/") else {
            return nil
        }
        index = skipSpaces(line, from: index + 1)
        return number(line, from: &index)
    }

    /// The relfilenode of `blkref #0: rel 1663/5/16384 blk 0`, if the record references a block.
    static func relfilenode(_ line: UnsafeBufferPointer<UInt8>) -> Int? {
        guard var index = end(of: "blkref #0: rel ", in: line) else { return nil }
        // Tablespace, then database, then the relfilenode.
        for _ in 0..<2 {
            guard number(line, from: &index) != nil, index < line.count, line[index] == UInt8(ascii: "/") else {
                return nil
            }
            index += 1
        }
        return number(line, from: &index).map { Int($0) }
    }

    /// The offset just past the first occurrence of `needle` in `line`.
    private static func end(of needle: StaticString, in line: UnsafeBufferPointer<UInt8>) -> Int? {
        let needle = UnsafeBufferPointer(start: needle.utf8Start, count: needle.utf8CodeUnitCount)
        guard let first = needle.first, line.count >= needle.count else { return nil }
        var start = 0
        while start <= line.count - needle.count {
            if line[start] == first, memcmp(line.baseAddress! + start, needle.baseAddress!, needle.count) == 0 {
                return start + needle.count
            }
            start += 1
        }
        return nil
    }

    private static func skipSpaces(_ line: UnsafeBufferPointer<UInt8>, from index: Int) -> Int {
        var index = index
        while index < line.count, line[index] == UInt8(ascii: " ") { index += 1 }
        return index
    }

    /// The decimal number at `index` (moved past it), nil if no digit is there.
    private static func number(_ line: UnsafeBufferPointer<UInt8>, from index: inout Int) -> Int64? {
        var value: Int64 = 0
        let first = index
        while index < line.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(line[index]) {
            value = value &* 10 &+ Int64(line[index] &- UInt8(ascii: "0"))
            index += 1
        }
        return index > first ? value : nil
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
