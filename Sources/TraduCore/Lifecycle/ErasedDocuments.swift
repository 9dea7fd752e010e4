/// The documents erased from an environment (`tradu erase`), as the tombstones that keep a re-plan from bringing
/// them back while they are still in the source.
///
/// A tombstone is a hash of the dataset and the document id, never the id itself: the id can be the personal
/// data being erased (an email address, a customer number).
public struct ErasedDocuments: Sendable, Equatable {
    /// Tombstones by dataset.
    public var hashes: [String: Set<String>]

    public init(hashes: [String: Set<String>] = [:]) {
        self.hashes = hashes
    }

    /// No document erased: for callers that cut a dataset outside any environment (benchmarks, tests).
    public static let none = ErasedDocuments()

    /// The tombstone of document `id` in `dataset`.
    public static func tombstone(dataset: String, id: String) -> String {
        ContentHash.hex(of: "erased/v1\u{0}\(dataset)\u{0}\(id)")
    }

    public func contains(dataset: String, id: String) -> Bool {
        guard let erased = hashes[dataset], !erased.isEmpty else { return false }
        return erased.contains(Self.tombstone(dataset: dataset, id: id))
    }
}
