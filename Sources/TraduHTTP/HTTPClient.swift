/// A libcurl HTTP client. Transfers run on the client's own threads, never on Swift's cooperative pool, so
/// slow servers cannot stall other tasks. Safe to share; one instance per process is enough.
public final class HTTPClient: Sendable {
    private let pool: BlockingWorkerPool<CurlEasyHandle>

    /// - Parameter maxConcurrentRequests: transfers running at once; further requests wait their turn.
    public init(maxConcurrentRequests: Int = 16) {
        pool = BlockingWorkerPool(maxThreads: maxConcurrentRequests) { CurlEasyHandle() }
    }

    deinit {
        pool.shutdown()
    }

    /// Performs `request`. Any HTTP status is a response; only transport failures throw. Cancelling the
    /// calling task aborts the transfer with `HTTPError.Kind.cancelled`.
    public func send(_ request: HTTPRequest) async throws(HTTPError) -> HTTPResponse {
        let cancellation = CancellationFlag()
        let result = await withTaskCancellationHandler {
            await withCheckedContinuation {
                (continuation: CheckedContinuation<Result<HTTPResponse, HTTPError>, Never>) in
                pool.submit { easy in
                    continuation.resume(returning: CurlTransfer.perform(request, on: easy, cancellation: cancellation))
                }
            }
        } onCancel: {
            cancellation.cancel()
        }
        return try result.get()
    }
}
