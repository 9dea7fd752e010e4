import Testing
import TraduCore

/// `ProviderBatchSplit`: provider batches within the Batch API's limits, a block's requests kept together.
@Suite struct ProviderBatchSplitTests {
    struct Request: Equatable {
        var block: Int
        var bytes: Int64
        var tokens: Int64 = 10
    }

    func split(_ blocks: [[Request]], maxRequests: Int = 50_000, maxFileBytes: Int64 = 1_000, tokens: Int64? = nil)
        -> [[Request]]
    {
        var limits = Engine.BatchSettings()
        limits.maxRequests = maxRequests
        limits.maxFileBytes = maxFileBytes
        limits.maxEnqueuedTokens = tokens
        return ProviderBatchSplit.split(blocks, limits: limits, bytes: \.bytes, tokens: \.tokens)
    }

    @Test func requestsPerBatchKeepBlocksTogether() {
        let blocks = (0..<5).map { block in (0..<3).map { _ in Request(block: block, bytes: 10) } }
        let batches = split(blocks, maxRequests: 7)
        #expect(batches.map(\.count) == [6, 6, 3], "a block that does not fit starts the next batch")
        for batch in batches { #expect(Set(batch.map(\.block)).count == batch.count / 3) }
    }

    @Test func bytesPerFileCountEveryLineAndItsNewline() {
        let blocks = (0..<4).map { [Request(block: $0, bytes: 299)] }
        #expect(split(blocks, maxFileBytes: 900).map(\.count) == [3, 1], "3 × 300 bytes fit in 900")
        #expect(split(blocks, maxFileBytes: 899).map(\.count) == [2, 2])
    }

    @Test func aBlockLargerThanABatchIsSpreadAndAnOversizedRequestGoesAlone() {
        let big = (0..<5).map { _ in Request(block: 0, bytes: 10) }
        #expect(split([big], maxRequests: 2).map(\.count) == [2, 2, 1])
        let huge = [Request(block: 1, bytes: 5_000)]
        #expect(split([[Request(block: 0, bytes: 10)], huge]).map(\.count) == [1, 1])
    }

    @Test func enqueuedTokensBoundEachBatch() {
        let blocks = (0..<6).map { [Request(block: $0, bytes: 10, tokens: 400)] }
        #expect(split(blocks, tokens: 1_000).map(\.count) == [2, 2, 2])
        #expect(split(blocks).map(\.count) == [6])
    }
}
