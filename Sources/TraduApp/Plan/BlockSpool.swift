import Foundation
import TraduCore
import TraduStore

/// The records of new blocks, written to a temporary file while the plan reads the datasets, so that
/// applying does not read, parse and cut them a second time: apply streams the spool into COPY. Only
/// blocks the environment does not already store are spooled. The file is deleted with the spool.
public final class BlockSpool: @unchecked Sendable {
    /// 12 bytes: where the block is in its dataset's cut list (which holds its identity and counts) and how long its
    /// records are; the spool holds one per new block. Offsets follow from the lengths, entries being in file order.
    struct Entry {
        var block: UInt32
        var length: UInt32
        var dataset: UInt16
    }

    let path: String
    /// Content hashes the environment already stores: never spooled.
    let known: IdentitySet
    private var handle: FileHandle?
    private var pending = Data()
    /// In spool order. Shared with the rows read back, never copied. No index by hash is kept while spooling
    /// (at 10M blocks a dictionary costs about 50 bytes an entry): `rows` builds one of positions, once.
    private var entries = ChunkedArray<Entry>()
    /// Dataset names, by the index entries hold.
    private var datasets: [String] = []

    public init(known: IdentitySet) throws {
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

    /// Spools `block`, the block at `block.ordinal` of `dataset`'s cut list, unless the environment stores it.
    func append(_ block: CutBlock, dataset: String) throws {
        guard wants(block.identity), let records = block.records else { return }
        let bytes = Data(records.utf8)
        let datasetIndex = datasets.firstIndex(of: dataset) ?? datasets.count
        if datasetIndex == datasets.count { datasets.append(dataset) }
        guard bytes.count <= Int(UInt32.max), block.ordinal <= Int(UInt32.max), datasetIndex <= Int(UInt16.max) else {
            throw TraduError.configuration(
                "block \(block.ordinal) of dataset '\(dataset)' is too large to spool (\(bytes.count) bytes)")
        }
        entries.append(Entry(block: UInt32(block.ordinal), length: UInt32(bytes.count), dataset: UInt16(datasetIndex)))
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
    /// - Parameter blocks: each dataset's cut blocks, as the spool was written with them: they hold the blocks'
    ///   identities and counts.
    func rows(_ needed: some Sequence<CompactID>, blocks: [String: CutBlockList]) -> SpooledRows? {
        let lists = datasets.map { blocks[$0] ?? CutBlockList() }
        guard entries.allSatisfy({ Int($0.block) < lists[Int($0.dataset)].count }) else { return nil }
        let entries = entries
        let hash = { (position: Int) in
            let entry = entries[position]
            return lists[Int(entry.dataset)].identity(at: Int(entry.block))
        }
        // An open-addressing table of positions (4 bytes a slot), the first spooled of equal hashes kept: each
        // wanted hash is found in a probe or two. Sorting positions by hash instead cost n log n comparisons, each
        // reading two entries at random, which at 10M blocks grew faster than the blocks did.
        let index = IdentityIndex(entries.indices, identity: hash)
        var marked = [Bool](repeating: false, count: entries.count)
        for wanted in needed {
            guard let position = index.position(of: wanted, identity: hash) else { return nil }
            marked[position] = true
        }
        return SpooledRows(path: path, entries: entries, datasets: datasets, lists: lists, needed: marked)
    }
}

/// Reads spooled blocks back, sequentially, as COPY rows.
final class SpooledRows: Sequence, IteratorProtocol {
    private let entries: ChunkedArray<BlockSpool.Entry>
    private let datasets: [String]
    /// Each dataset's cut blocks, by the index entries hold.
    private let lists: [CutBlockList]
    /// A flag per entry.
    private let needed: [Bool]
    private let handle: FileHandle?
    private var index = 0
    /// Where entry `index` starts in the file.
    private var offset: UInt64 = 0
    private(set) var failure: (any Error)?
    /// The file's bytes from `bufferStart` on, read a megabyte at a time: the blocks are read in file order, and
    /// a read per block (10M system calls at 10M blocks) took a tenth of the copying thread's time.
    private var buffer = Data()
    private var bufferStart: UInt64 = 0
    private static let readSize = 1 << 20

    init(
        path: String, entries: ChunkedArray<BlockSpool.Entry>, datasets: [String], lists: [CutBlockList],
        needed: [Bool]
    ) {
        self.entries = entries
        self.datasets = datasets
        self.lists = lists
        self.needed = needed
        handle = FileHandle(forReadingAtPath: path)
    }

    deinit { try? handle?.close() }

    func next() -> BlockContentRow? {
        while index < entries.count, !needed[index] {
            offset += UInt64(entries[index].length)
            index += 1
        }
        guard index < entries.count, failure == nil, let handle else { return nil }
        let entry = entries[index]
        let start = offset
        index += 1
        offset += UInt64(entry.length)
        do {
            let length = Int(entry.length)
            if start < bufferStart || start + UInt64(length) > bufferStart + UInt64(buffer.count) {
                try handle.seek(toOffset: start)
                buffer = try handle.read(upToCount: Swift.max(length, Self.readSize)) ?? Data()
                bufferStart = start
            }
            let from = buffer.startIndex + Int(start - bufferStart)
            guard from + length <= buffer.endIndex else {
                throw TraduError.configuration("the spool file is shorter than expected")
            }
            let block = lists[Int(entry.dataset)][Int(entry.block)]
            return BlockContentRow(
                hash: block.hash, dataset: datasets[Int(entry.dataset)], recordCount: block.recordCount,
                byteCount: block.byteCount, records: String(decoding: buffer[from..<(from + length)], as: UTF8.self))
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
