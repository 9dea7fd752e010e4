import Foundation
import TraduCore
import TraduSources

/// Reads a dataset's records on a thread of its own, in batches, a few batches ahead of the reader: parsing
/// (JSON, CSV, UTF-8 checks, duplicate ids) and cutting (boundaries, hashing, spooling) then run on two cores
/// instead of one. Order and errors are kept: a bad record's error is thrown after every record before it.
/// Memory stays bounded by bytes as well as records: a batch closes at `batchSize` records or `batchBytes` of
/// text (documents of a text-files dataset may be megabytes each).
final class RecordPrefetcher: @unchecked Sendable {
    private let stream: RecordStream
    private let batchSize: Int
    private let batchBytes: Int
    private let maxBufferedBatches: Int
    private let condition = NSCondition()
    private var batches: [[SourceRecord]] = []
    private var head = 0
    private var ended = false
    private var failure: SourceError?
    private var stopped = false

    /// Starts reading at once. Call `stop()` if the reader gives up early.
    init(_ stream: RecordStream, batchSize: Int = 1024, batchBytes: Int = 1 << 20, maxBufferedBatches: Int = 16) {
        self.stream = stream
        self.batchSize = batchSize
        self.batchBytes = batchBytes
        self.maxBufferedBatches = maxBufferedBatches
        let thread = Thread { [self] in produce() }
        thread.name = "tradu-records"
        thread.start()
    }

    /// The next batch, in order; nil at the end. Blocks while the reading thread is behind.
    func next() throws(SourceError) -> [SourceRecord]? {
        condition.lock()
        defer { condition.unlock() }
        while head == batches.count && !ended { condition.wait() }
        if head < batches.count {
            let batch = batches[head]
            batches[head] = []
            head += 1
            if head == batches.count {
                batches.removeAll(keepingCapacity: true)
                head = 0
            }
            condition.broadcast()
            return batch
        }
        if let failure { throw failure }
        return nil
    }

    /// Stops the reading thread (the reader will not ask for more).
    func stop() {
        condition.lock()
        stopped = true
        condition.broadcast()
        condition.unlock()
    }

    /// Waits until the reading thread has ended, after which the stream's counters may be read.
    func waitUntilEnded() {
        condition.lock()
        while !ended { condition.wait() }
        condition.unlock()
    }

    private func produce() {
        var batch: [SourceRecord] = []
        var bytes = 0
        var error: SourceError?
        do {
            while let record = try stream.next() {
                batch.append(record)
                bytes += record.text.utf8.count
                if batch.count >= batchSize || bytes >= batchBytes {
                    guard push(batch) else { break }
                    batch = []
                    bytes = 0
                }
            }
        } catch let failure {
            error = failure
        }
        condition.lock()
        if !batch.isEmpty && !stopped { batches.append(batch) }
        failure = error
        ended = true
        condition.broadcast()
        condition.unlock()
    }

    /// Hands a full batch over, waiting while the reader has enough ahead; false once stopped.
    private func push(_ batch: [SourceRecord]) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while batches.count - head >= maxBufferedBatches && !stopped { condition.wait() }
        guard !stopped else { return false }
        batches.append(batch)
        condition.broadcast()
        return true
    }
}
