import Foundation
import TraduPostgres

/// Commit marks (`commit_marks`, migration 21): how a try made after a broken connection learns whether an earlier
/// try of the same transaction committed.
extension Store {
    /// Marks the transaction on `connection` as `token` of `committer`. False when the committer's row holds
    /// `token` already: an earlier try of this transaction committed. An earlier try still running holds the row
    /// (or, on a first commit, the key) until it ends, and the upsert waits for it, so the answer is never "not
    /// committed" for a try that commits after all.
    static func markCommit(_ token: UUID, committer: UUID, on connection: isolated PostgresConnection) throws -> Bool {
        !(try connection.query(
            """
            INSERT INTO commit_marks AS m (committer, token) VALUES ($1::uuid, $2::uuid)
            ON CONFLICT (committer) DO UPDATE SET token = EXCLUDED.token, marked_at = now()
            WHERE m.token <> EXCLUDED.token
            RETURNING 1 AS marked
            """, [committer.uuidString, token.uuidString]
        ).isEmpty)
    }

    /// What an earlier try of a commit made, once its mark showed that it committed: the outcomes the log holds
    /// (those its fence accepted; the others it refused), counted as done and not committed again.
    func committedEarlier(
        _ outcomes: [(id: String, attempt: Int, instanceID: String)], of kind: OutcomeKind, token: UUID?
    ) async throws -> Set<String> {
        let accepted = try await loggedOutcomes(outcomes, of: kind)
        connection.logger.info(
            "outcomes found committed by the try that broke off; not committed again",
            metadata: [
                "token": "\(token?.uuidString ?? "")", "count": "\(accepted.count)", "of": "\(outcomes.count)",
                "blocks": "\(accepted.sorted().prefix(5).joined(separator: ","))",
            ])
        return accepted
    }

    /// Deletes the marks of committers that have not committed for `age` (stopped or dead processes): a committer
    /// asks for its mark only while it retries a commit, moments after the try that broke off.
    public func pruneCommitMarks(olderThan age: Duration) async throws -> Int {
        let row = try await connection.query(
            """
            WITH gone AS (
                DELETE FROM commit_marks WHERE marked_at < now() - $1::bigint * interval '1 microsecond' RETURNING 1
            )
            SELECT count(*) AS deleted FROM gone
            """, [RuntimeSQL.microseconds(age)])[0]
        return try row.required("deleted", Int.init)
    }
}
