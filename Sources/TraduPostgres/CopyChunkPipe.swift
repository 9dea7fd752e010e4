import Foundation

/// A bounded hand-off of encoded COPY chunks from the encoding thread to the sending thread.
final class CopyChunkPipe: @unchecked Sendable {
    static let chunkSize = 1 << 20

    private let condition = NSCondition()
    private let capacity: Int
    private var chunks: [[UInt8]] = []
    private var finished = false
    private var cancelled = false
    private var rowCount = 0
    private var failure: PostgresError?

    init(capacity: Int) { self.capacity = capacity }

    /// Blocks while the pipe is full; false once the consumer gave up (stop producing).
    func put(_ chunk: [UInt8]) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while chunks.count >= capacity && !cancelled { condition.wait() }
        guard !cancelled else { return false }
        chunks.append(chunk)
        condition.broadcast()
        return true
    }

    /// The next chunk, or nil once the producer finished and everything was taken.
    func take() -> [UInt8]? {
        condition.lock()
        defer { condition.unlock() }
        while chunks.isEmpty && !finished { condition.wait() }
        guard !chunks.isEmpty else { return nil }
        let chunk = chunks.removeFirst()
        condition.broadcast()
        return chunk
    }

    func finish(rowCount: Int, failure: PostgresError?) {
        condition.lock()
        defer { condition.unlock() }
        self.rowCount = rowCount
        self.failure = failure
        finished = true
        condition.broadcast()
    }

    func cancel() {
        condition.lock()
        defer { condition.unlock() }
        cancelled = true
        chunks = []
        condition.broadcast()
    }

    /// Waits for the producer to stop (after `cancel()` it stops at its next chunk).
    func waitUntilFinished() -> (rowCount: Int, failure: PostgresError?) {
        condition.lock()
        defer { condition.unlock() }
        while !finished { condition.wait() }
        return (rowCount, failure)
    }
}

/// Moves a value the caller gave up (`sending`) to the encoding thread.
struct UncheckedSendableBox<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
