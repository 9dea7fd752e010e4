import CLibPQ

extension PostgresConnection {
    /// Bulk-loads rows with `COPY ... FROM STDIN` (text format) and returns how many rows the server stored.
    ///
    /// Values are escaped for COPY's text format; nil is NULL. Data goes to the server in chunks of about 1 MiB.
    /// If encoding a row fails, the COPY is aborted and nothing is stored.
    @discardableResult
    public func copyIn(sql: String, rows: sending some Sequence<[String?]>) throws -> Int {
        let connection = try connection()
        let start = PQexec(connection, sql)
        guard let start, PQresultStatus(start) == PGRES_COPY_IN else {
            defer { PQclear(start) }
            _ = try LibPQResult.check(start, connection: connection)
            throw PostgresError(kind: .misuse, message: "copyIn needs a COPY ... FROM STDIN statement")
        }
        PQclear(start)

        let chunkSize = 1 << 20
        var encoder = CopyTextEncoder(capacity: chunkSize + 64 * 1024)
        var failure: PostgresError?
        do {
            for row in rows {
                try encoder.append(row)
                if encoder.buffer.count >= chunkSize {
                    try send(encoder.buffer, connection)
                    encoder.reset()
                }
            }
            if !encoder.buffer.isEmpty { try send(encoder.buffer, connection) }
        } catch let error as PostgresError {
            failure = error
        }
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
                stored = LibPQResult.affectedRows(result) ?? encoder.rowCount
            } catch let error as PostgresError {
                failure = failure ?? error
            }
        }
        if let failure { throw failure }
        return stored
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
