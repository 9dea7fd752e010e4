import TraduCore
import TraduSources
import TraduStore

/// The records of the blocks an apply must store, produced by reading the datasets a second time (the plan
/// kept only identities, so memory stays small). Pulled lazily by the COPY inside the apply transaction.
/// If a dataset no longer yields a block the plan counted on, or cannot be read, `verify()` throws and the
/// transaction rolls back: nothing half-applied.
final class BlockContentSource: Sequence, IteratorProtocol {
    private var sources: [(cut: DatasetCut, stream: RecordStream)]
    private var needed: Set<CompactID>
    private var produced = Set<CompactID>()
    private var cutter: BlockCutter?
    private var ready: [CutBlock] = []
    private var failure: Error?
    private var current: DatasetCut?

    init(sources: [(DatasetCut, RecordStream)], needed: Set<CompactID>) {
        self.sources = sources.map { (cut: $0.0, stream: $0.1) }
        self.needed = needed
    }

    /// Opens the datasets that hold at least one needed block.
    static func open(_ cuts: [DatasetCut], needed: Set<CompactID>, projectRoot: String) async throws
        -> BlockContentSource
    {
        var sources: [(DatasetCut, RecordStream)] = []
        for cut in cuts where cut.blocks.contains(where: { needed.contains($0.identity) }) {
            let reader = DatasetReader(dataset: cut.dataset, projectRoot: projectRoot)
            let stream: RecordStream
            do throws(SourceError) {
                stream = try await reader.open()
            } catch {
                throw TraduError.invalidData([error.diagnostic])
            }
            sources.append((cut, stream))
        }
        return BlockContentSource(sources: sources, needed: needed)
    }

    func next() -> BlockContentRow? {
        while failure == nil {
            if let block = ready.first {
                ready.removeFirst()
                guard needed.contains(block.identity), produced.insert(block.identity).inserted, let dataset = current
                else {
                    continue
                }
                return BlockContentRow(
                    hash: block.hash, dataset: dataset.dataset.name, recordCount: block.recordCount,
                    byteCount: block.byteCount, records: block.records ?? "")
            }
            guard pull() else { return nil }
        }
        return nil
    }

    /// Reads records until at least one block is ready; false at the end of the last dataset.
    private func pull() -> Bool {
        while ready.isEmpty {
            if cutter == nil {
                guard let next = sources.first else { return false }
                current = next.cut
                cutter = BlockCutter(
                    sizing: BlockSizing(next.cut.dataset), keepsRecords: true, keptBoundaries: next.cut.keptBoundaries)
            }
            do {
                if let record = try sources[0].stream.next() {
                    let cut = sources[0].cut
                    if cut.erasedCount > 0, cut.erased.contains(dataset: cut.dataset.name, id: record.id) {
                        cutter!.skip(record) { ready.append($0) }
                    } else {
                        cutter!.add(record) { ready.append($0) }
                    }
                } else {
                    if let last = cutter!.finish() { ready.append(last) }
                    cutter = nil
                    sources.removeFirst()
                    if ready.isEmpty { continue }
                }
            } catch {
                failure = error
                return false
            }
        }
        return true
    }

    /// Throws unless every needed block was produced.
    func verify() throws {
        if let error = failure as? SourceError { throw TraduError.invalidData([error.diagnostic]) }
        if let failure { throw failure }
        let missing = needed.subtracting(produced)
        guard missing.isEmpty else {
            throw TraduError.rejected(
                "\(missing.count) block\(missing.count == 1 ? "" : "s") of the plan no longer exist in the datasets:"
                    + " a dataset changed while applying; run the plan again")
        }
    }
}
