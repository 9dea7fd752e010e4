import TraduPostgres

extension Store {
    /// Applies `batch` in one transaction and returns the revision it recorded. Throws `StoreError.staleSerial`
    /// or `.lineageMismatch` (writing nothing) when the environment moved since the plan was made; any other
    /// error also rolls everything back.
    ///
    /// Take the environment lock (`lock.acquire`) around it; the serial check alone already keeps two applies
    /// from both succeeding on the same plan.
    @discardableResult
    public func apply<Contents: Sequence<BlockContentRow>>(_ batch: sending ApplyBatch<Contents>) async throws
        -> AppliedRevision
    {
        // Erased here, outside the @Sendable body, so the body needs no generic (possibly non-Sendable) metatype
        // and callers may pass any sequence, opaque ones included. One dynamic call per row is negligible next to
        // a row's COPY encoding.
        let transfer = UncheckedTransfer(batch.erasingContents())
        let reporting = reportsSuccessPath
        let (revision, made) = try await connection.transaction { connection in
            try BlockPlanWriter.write(transfer.value, reporting: reporting, on: connection)
        }
        report(made)
        return revision
    }
}
