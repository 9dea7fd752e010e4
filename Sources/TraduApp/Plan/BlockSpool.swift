import Foundation
import TraduCore
import TraduStore

/// The records of new blocks, written to a temporary file while the plan reads the datasets, so that
/// applying does not read, parse and cut them a second time: apply streams the spool into COPY. Only
/// blocks the environment does not already store are spooled. The file is deleted with the spool.
public final class BlockSpool: @unchecked Sendable {
    /// 48 bytes (small fields first, where the identity's tag leaves room): the spool holds one per new block.
    struct Entry {
        var hash: CompactID
        var length: UInt32
        var recordCount: UInt32
        var dataset: UInt32
        var offset: UInt64
        var byteCount: Int64
    }

    let path: String
    /// Content hashes the environment already stores: never spooled.
    let known: Set<CompactID>
    private var handle: FileHandle?
    private var pending = Data()
    private var offset: UInt64 = 0
    /// In spool order. Shared with the rows read back, never copied. No index by hash is kept while spooling
    /// (at 10M blocks a dictionary costs about 50 bytes an entry): `rows` sorts positions once.
    private var entries: [Entry] = []
    /// Dataset names, by the index entries hold.
    private var datasets: [String] = []

    public init(known: Set<CompactID>) throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("tradu-spool-\(UUID().uuidString)").path
        self.known = known
        guard FileManager.default.createFile(atPath: path, contents: nil),
            let handle = FileHandle(forWritingAtPath: path)
        else { throw TraduError.configuration("cannot create the spool file \(path)") }
        self.handle = handle
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    /// A content the environment does not hold. A content met twice is spooled twice (two datasets with the same
    /// records); `rows` gives it once.
    func wants(_ hash: CompactID) -> Bool { !known.contains(hash) }

    func append(_ block: CutBlock, dataset: String) throws {
        guard wants(block.identity), let records = block.records else { return }
        let bytes = Data(records.utf8)
        let datasetIndex = datasets.firstIndex(of: dataset) ?? datasets.count
        if datasetIndex == datasets.count { datasets.append(dataset) }
        entries.append(
            Entry(
                hash: block.identity, length: UInt32(bytes.count), recordCount: UInt32(block.recordCount),
                dataset: UInt32(datasetIndex), offset: offset, byteCount: block.byteCount))
        offset += UInt64(bytes.count)
        pending.append(bytes)
        if pending.count >= 8 << 20 { try flush() }
    }

    func finishWriting() throws {
        try flush()
        try handle?.close()
        handle = nil
    }

    private func flush() throws {
        guard !pending.isEmpty else { return }
        try handle?.write(contentsOf: pending)
        pending.removeAll(keepingCapacity: true)
    }

    /// The spooled blocks among `needed` (repeats allowed), in the order they were read; nil when the spool lacks one.
    func rows(_ needed: some Sequence<CompactID>) -> SpooledRows? {
        // Positions sorted by hash, the first spooled of equal hashes first: 4 bytes an entry, for this call only.
        var order = [UInt32](0..<UInt32(entries.count))
        order.sort { (entries[Int($0)].hash, $0) < (entries[Int($1)].hash, $1) }
        var marked = [Bool](repeating: false, count: entries.count)
        for hash in needed {
            var low = 0
            var high = order.count
            while low < high {
                let middle = (low + high) / 2
                if entries[Int(order[middle])].hash < hash { low = middle + 1 } else { high = middle }
            }
            guard low < order.count, entries[Int(order[low])].hash == hash else { return nil }
            marked[Int(order[low])] = true
        }
        return SpooledRows(path: path, entries: entries, datasets: datasets, needed: marked)
    }
}

/// Reads spooled blocks back, sequentially, as COPY rows.
final class SpooledRows: Sequence, IteratorProtocol {
    private let entries: [BlockSpool.Entry]
    private let datasets: [String]
    /// A flag per entry.
    private let needed: [Bool]
    private let handle: FileHandle?
    private var index = 0
    private(set) var failure: (any Error)?

    init(path: String, entries: [BlockSpool.Entry], datasets: [String], needed: [Bool]) {
        self.entries = entries
        self.datasets = datasets
        self.needed = needed
        handle = FileHandle(forReadingAtPath: path)
    }

    deinit { try? handle?.close() }

    func next() -> BlockContentRow? {
        while index < entries.count, !needed[index] { index += 1 }
        guard index < entries.count, failure == nil, let handle else { return nil }
        let entry = entries[index]
        index += 1
        do {
            try handle.seek(toOffset: entry.offset)
            guard let data = try handle.read(upToCount: Int(entry.length)), data.count == Int(entry.length) else {
                throw TraduError.configuration("the spool file is shorter than expected")
            }
            return BlockContentRow(
                hash: entry.hash.string, dataset: datasets[Int(entry.dataset)], recordCount: Int(entry.recordCount),
                byteCount: entry.byteCount,
                records: String(decoding: data, as: UTF8.self))
        } catch {
            failure = error
            return nil
        }
    }

    func verify() throws {
        if let failure { throw failure }
        if index < entries.count { throw TraduError.configuration("the spool file could not be read to its end") }
    }
}
