import Foundation
import TraduCore
import TraduStore

/// The records of new blocks, written to a temporary file while the plan reads the datasets, so that
/// applying does not read, parse and cut them a second time: apply streams the spool into COPY. Only
/// blocks the environment does not already store are spooled. The file is deleted with the spool.
public final class BlockSpool: @unchecked Sendable {
    struct Entry {
        var offset: UInt64
        var length: Int
        var dataset: String
        var recordCount: Int
        var byteCount: Int64
    }

    let path: String
    /// Content hashes the environment already stores: never spooled.
    let known: Set<String>
    private var handle: FileHandle?
    private var pending = Data()
    private var offset: UInt64 = 0
    private var order: [String] = []
    private var entries: [String: Entry] = [:]

    public init(known: Set<String>) throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("tradu-spool-\(UUID().uuidString)").path
        self.known = known
        guard FileManager.default.createFile(atPath: path, contents: nil),
            let handle = FileHandle(forWritingAtPath: path)
        else { throw TraduError.configuration("cannot create the spool file \(path)") }
        self.handle = handle
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    func wants(_ hash: String) -> Bool { !known.contains(hash) && entries[hash] == nil }

    func append(_ block: CutBlock, dataset: String) throws {
        guard wants(block.hash), let records = block.records else { return }
        let bytes = Data(records.utf8)
        entries[block.hash] = Entry(
            offset: offset, length: bytes.count, dataset: dataset, recordCount: block.recordCount,
            byteCount: block.byteCount)
        order.append(block.hash)
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

    func contains(all hashes: Set<String>) -> Bool { hashes.allSatisfy { entries[$0] != nil } }

    /// The spooled blocks among `needed`, in the order they were read.
    func rows(_ needed: Set<String>) -> SpooledRows {
        SpooledRows(path: path, entries: order.filter(needed.contains).map { ($0, entries[$0]!) })
    }
}

/// Reads spooled blocks back, sequentially, as COPY rows.
final class SpooledRows: Sequence, IteratorProtocol {
    private let entries: [(hash: String, entry: BlockSpool.Entry)]
    private let handle: FileHandle?
    private var index = 0
    private(set) var failure: (any Error)?

    init(path: String, entries: [(String, BlockSpool.Entry)]) {
        self.entries = entries.map { (hash: $0.0, entry: $0.1) }
        handle = FileHandle(forReadingAtPath: path)
    }

    deinit { try? handle?.close() }

    func next() -> BlockContentRow? {
        guard index < entries.count, failure == nil, let handle else { return nil }
        let (hash, entry) = entries[index]
        index += 1
        do {
            try handle.seek(toOffset: entry.offset)
            guard let data = try handle.read(upToCount: entry.length), data.count == entry.length else {
                throw TraduError.configuration("the spool file is shorter than expected")
            }
            return BlockContentRow(
                hash: hash, dataset: entry.dataset, recordCount: entry.recordCount, byteCount: entry.byteCount,
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
