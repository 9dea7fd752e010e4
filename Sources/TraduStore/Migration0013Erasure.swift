extension StoreMigrations {
    /// Erasure tombstones: a document erased from an environment stays out of every later plan while it is still
    /// in the source. A tombstone is `ErasedDocuments.tombstone(dataset:id:)`, a hash, never the id.
    public static let erasure = Migration(
        version: 13, name: "erasure",
        sql: """
            CREATE TABLE erased_documents (
                dataset text NOT NULL,
                tombstone text NOT NULL,
                erased_at timestamptz NOT NULL DEFAULT now(),
                PRIMARY KEY (dataset, tombstone)
            );
            """, compatibility: .expand)
}
