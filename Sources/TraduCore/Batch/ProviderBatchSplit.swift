/// Cuts the requests of many blocks into provider batches that respect an engine's Batch API limits: requests per
/// batch, bytes per input file, and (when set) the tokens the provider lets the engine's batches hold enqueued.
///
/// A block's requests stay together whenever they fit in one batch, so its answers come back at one time; a block
/// larger than a whole batch is spread over as many as it needs.
public enum ProviderBatchSplit {
    public static func split<Request>(
        _ blocks: [[Request]], limits: Engine.BatchSettings, bytes: (Request) -> Int64, tokens: (Request) -> Int64
    ) -> [[Request]] {
        var batches: [[Request]] = []
        var current: [Request] = []
        var currentBytes: Int64 = 0
        var currentTokens: Int64 = 0
        let tokenLimit = limits.maxEnqueuedTokens ?? .max
        func fits(_ count: Int, _ size: Int64, _ weight: Int64) -> Bool {
            current.count + count <= limits.maxRequests && currentBytes + size <= limits.maxFileBytes
                && currentTokens + weight <= tokenLimit
        }
        func close() {
            if !current.isEmpty { batches.append(current) }
            current = []
            currentBytes = 0
            currentTokens = 0
        }
        func add(_ request: Request) {
            current.append(request)
            currentBytes += bytes(request) + 1  // and its newline
            currentTokens += tokens(request)
        }
        for block in blocks where !block.isEmpty {
            let size = block.reduce(0) { $0 + bytes($1) + 1 }
            let weight = block.reduce(0) { $0 + tokens($1) }
            if !fits(block.count, size, weight) { close() }
            for request in block {
                // One request over the limits alone still goes, alone: the provider will say why it refuses it.
                if !current.isEmpty, !fits(1, bytes(request) + 1, tokens(request)) { close() }
                add(request)
            }
        }
        close()
        return batches
    }
}
