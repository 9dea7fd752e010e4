/// tradu's migrations, in order. Append new ones; never change a released one.
public enum StoreMigrations {
    public static let all: [Migration] = [
        foundation,
        blocks,
        runtime,
        recentEvents,
        queueUpkeep,
        releases,
        rollouts,
        spend,
        segmentCounts,
        providerBatches,
        actionAudit,
        documentIndex,
        erasure,
        eventLabels,
        unusedResultsIndex,
        keptCuts,
        contentBlocks,
        uncheckedResultBlocks,
        hotLeaseRenewals,
        byteOrderKeys,
        commitMarks,
        eventBlockKeys,
        scheduleInKeyOrder,
        roomForUpdates,
        dropScheduleByOrdinal,
        memoryInResults,
        eventChunks,
    ]

    /// The newest version this build knows.
    public static var latestVersion: Int { all.last?.version ?? 0 }
}
