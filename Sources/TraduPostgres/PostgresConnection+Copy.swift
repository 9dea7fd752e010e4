import CLibPQ
import Foundation

extension PostgresConnection {
    /// Bulk-loads rows with `COPY ... FROM STDIN` (text format) and returns how many rows the server stored.
    ///
    /// Values are escaped for COPY's text format; nil is NULL. Data goes to the server in chunks of about 1 MiB.
    /// If encoding a row fails, the COPY is aborted and nothing is stored.
    @discardableResult
    public func copyIn(sql: String, rows: sending some Sequence<[String?]>) throws -> Int {
        try copyIn(sql: sql, rows: rows, encoder: CopyTextEncoder.self)
    }

    /// Bulk-loads rows with `COPY ... FROM STDIN (FORMAT binary)`: `sql` must ask for the binary format, and
    /// each value's case must match its column's type (`.text` for text, `.int32` for int, `.int64` for bigint).
    /// Cheaper for the server than text on large values: nothing to unescape.
    @discardableResult
    public func copyIn(sql: String, binaryRows rows: sending some Sequence<[CopyBinaryValue?]>) throws -> Int {
        try copyIn(sql: sql, rows: rows, encoder: CopyBinaryEncoder.self)
    }

    /// `copyIn(sql:rows:)` for a few hundred rows, as a transition's events are: they are encoded on this thread
    /// and sent in one piece. The producer thread of the streaming form costs more to start than such a batch
    /// takes to encode.
    @discardableResult
    public func copyIn(sql: String, smallBatch rows: [[String?]]) throws -> Int {
        try copyIn(sql: sql, smallBatch: rows, encoder: CopyTextEncoder.self)
    }

    /// `copyIn(sql:binaryRows:)` for a few hundred rows, encoded on this thread and sent in one piece.
    @discardableResult
    public func copyIn(sql: String, smallBinaryBatch rows: [[CopyBinaryValue?]]) throws -> Int {
        try copyIn(sql: sql, smallBatch: rows, encoder: CopyBinaryEncoder.self)
    }

    private func copyIn<Encoder: CopyRowEncoder>(sql: String, smallBatch rows: [Encoder.Row], encoder _: Encoder.Type)
        throws -> Int
    {
        let connection = try connection()
        var encoder = Encoder(capacity: rows.count * 128)
        for row in rows { try encoder.append(row) }
        encoder.finish()
        try startCopy(sql, connection)
        var failure: PostgresError?
        do {
            try send(encoder.buffer, connection)
        } catch let error as PostgresError {
            failure = error
        }
        return try endCopy(failure: failure, rowCount: encoder.rowCount, connection)
    }

    private func copyIn<Encoder: CopyRowEncoder, Rows: Sequence>(
        sql: String, rows: sending Rows, encoder: Encoder.Type
    ) throws -> Int where Rows.Element == Encoder.Row {
        let connection = try connection()
        try startCopy(sql, connection)

        // Rows are encoded on a second thread while this one sends: producing the data (which may mean reading
        // and cutting a dataset) and the server's ingest then overlap instead of taking turns.
        let pipe = CopyChunkPipe(capacity: 4)
        // The generic work is wrapped before it crosses to the thread, which then captures no generic types.
        let produce = UncheckedSendableBox { Self.encode(rows, with: Encoder.self, into: pipe) }
        let producer = Thread { produce.value() }
        producer.stackSize = 8 << 20
        producer.start()
        var failure: PostgresError?
        while let chunk = pipe.take() {
            do {
                try send(chunk, connection)
            } catch let error as PostgresError {
                failure = error
                pipe.cancel()
                break
            }
        }
        let produced = pipe.waitUntilFinished()
        return try endCopy(failure: failure ?? produced.failure, rowCount: produced.rowCount, connection)
    }

    /// Sends `sql`, which must be a `COPY ... FROM STDIN`, and waits for the server to take data.
    private func startCopy(_ sql: String, _ connection: OpaquePointer) throws {
        let start = PQexec(connection, sql)
        guard let start, PQresultStatus(start) == PGRES_COPY_IN else {
            defer { PQclear(start) }
            _ = try LibPQResult.check(start, connection: connection)
            throw PostgresError(kind: .misuse, message: "copyIn needs a COPY ... FROM STDIN statement")
        }
        PQclear(start)
    }

    /// Ends the COPY (aborting it when `failure` is set) and returns how many rows the server stored.
    private func endCopy(failure: PostgresError?, rowCount: Int, _ connection: OpaquePointer) throws -> Int {
        var failure = failure
        // Ending with an error message makes the server abort the COPY.
        if PQputCopyEnd(connection, failure.map { $0.message }) != 1 {
            failure = failure ?? LibPQResult.connectionError(connection, fallback: "could not end COPY")
        }
        // Read results until NULL, or the connection stays busy.
        var stored = 0
        while let result = PQgetResult(connection) {
            defer { PQclear(result) }
            do {
                _ = try LibPQResult.check(result, connection: connection)
                stored = LibPQResult.affectedRows(result) ?? rowCount
            } catch let error as PostgresError {
                failure = failure ?? error
            }
        }
        if let failure { throw failure }
        return stored
    }

    /// Encodes `rows` into chunks for `pipe` (on the producer thread), then finishes the pipe with the row
    /// count or the failure.
    private static func encode<Encoder: CopyRowEncoder, Rows: Sequence>(
        _ rows: Rows, with _: Encoder.Type, into pipe: CopyChunkPipe
    ) where Rows.Element == Encoder.Row {
        var encoder = Encoder(capacity: CopyChunkPipe.chunkSize + 64 * 1024)
        do {
            for row in rows {
                try encoder.append(row)
                if encoder.buffer.count >= CopyChunkPipe.chunkSize {
                    guard pipe.put(encoder.buffer) else {
                        pipe.finish(rowCount: encoder.rowCount, failure: nil)
                        return
                    }
                    encoder.reset()
                }
            }
            encoder.finish()
            if !encoder.buffer.isEmpty { _ = pipe.put(encoder.buffer) }
            pipe.finish(rowCount: encoder.rowCount, failure: nil)
        } catch let error as PostgresError {
            pipe.finish(rowCount: encoder.rowCount, failure: error)
        } catch {
            pipe.finish(rowCount: encoder.rowCount, failure: PostgresError(kind: .misuse, message: "\(error)"))
        }
    }

    private func send(_ bytes: [UInt8], _ connection: OpaquePointer) throws {
        let status = bytes.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { chars in
                PQputCopyData(connection, chars.baseAddress, Int32(chars.count))
            }
        }
        guard status == 1 else {
            throw LibPQResult.connectionError(connection, fallback: "could not send COPY data")
        }
    }
}
