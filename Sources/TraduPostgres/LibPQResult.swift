import CLibPQ

/// Reads a `PGresult` into Swift values. Internal: result pointers never leave this module.
enum LibPQResult {
    /// Field codes libpq defines as character macros; those the shim does not re-export are spelled here.
    private static let severityField = Int32(UInt8(ascii: "V"))
    private static let constraintField = Int32(UInt8(ascii: "n"))

    /// Throws unless `result` is a successful command or row set; returns it otherwise. `result` stays owned by
    /// the caller.
    static func check(_ result: OpaquePointer?, connection: OpaquePointer) throws -> OpaquePointer {
        guard let result else {
            // libpq returns NULL only for out-of-memory or when it could not send the command at all.
            throw connectionError(connection, fallback: "no result from server")
        }
        switch PQresultStatus(result) {
        case PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_EMPTY_QUERY, PGRES_SINGLE_TUPLE:
            return result
        case PGRES_FATAL_ERROR, PGRES_NONFATAL_ERROR:
            throw error(from: result, connection: connection)
        default:
            let status = String(cString: PQresStatus(PQresultStatus(result)))
            throw PostgresError(kind: .protocol, message: "unexpected result status \(status)")
        }
    }

    static func rows(_ result: OpaquePointer) -> PostgresRows {
        let columnCount = Int(PQnfields(result))
        let rowCount = Int(PQntuples(result))
        let layout = PostgresColumnLayout(
            names: (0..<columnCount).map { String(cString: PQfname(result, Int32($0))) })
        var rows: [PostgresRow] = []
        rows.reserveCapacity(rowCount)
        for row in 0..<Int32(rowCount) {
            var values: [String?] = []
            values.reserveCapacity(columnCount)
            for column in 0..<Int32(columnCount) {
                if PQgetisnull(result, row, column) != 0 {
                    values.append(nil)
                } else {
                    let bytes = UnsafeRawBufferPointer(
                        start: PQgetvalue(result, row, column), count: Int(PQgetlength(result, row, column)))
                    values.append(String(decoding: bytes, as: UTF8.self))
                }
            }
            rows.append(PostgresRow(layout: layout, values: values))
        }
        let tag = String(cString: PQcmdStatus(result))
        return PostgresRows(layout: layout, rows: rows, commandTag: tag, affectedRows: affectedRows(result))
    }

    static func affectedRows(_ result: OpaquePointer) -> Int? {
        Int(String(cString: PQcmdTuples(result)))
    }

    /// The server's error fields from a failed result. If the connection broke in the process, the error is
    /// reported as a connection error (keeping any SQLSTATE the server sent before closing, e.g. 57P01).
    static func error(from result: OpaquePointer, connection: OpaquePointer) -> PostgresError {
        func field(_ code: Int32) -> String? {
            PQresultErrorField(result, code).map { String(cString: $0) }
        }
        let sqlState = field(tradu_PG_DIAG_SQLSTATE)
        // Server errors always carry a SQLSTATE; a client-side one may mean the socket died. libpq can report
        // "server closed the connection unexpectedly" from a failed write and still say CONNECTION_OK; reading
        // the socket makes it notice the EOF, so the next call reconnects.
        if sqlState == nil && PQstatus(connection) == CONNECTION_OK {
            _ = PQconsumeInput(connection)
        }
        let lost = PQstatus(connection) == CONNECTION_BAD
        let fallback = trimmed(String(cString: PQresultErrorMessage(result)))
        let message = field(tradu_PG_DIAG_MESSAGE_PRIMARY) ?? (fallback.isEmpty ? "unknown error" : fallback)
        return PostgresError(
            kind: lost ? .connection : .query,
            sqlState: sqlState,
            message: message,
            detail: field(tradu_PG_DIAG_MESSAGE_DETAIL),
            hint: field(tradu_PG_DIAG_MESSAGE_HINT),
            constraint: field(constraintField),
            position: field(tradu_PG_DIAG_STATEMENT_POSITION).flatMap { Int($0) })
    }

    /// A connection-kind error from the connection's last error message.
    static func connectionError(_ connection: OpaquePointer, fallback: String) -> PostgresError {
        if PQstatus(connection) == CONNECTION_OK {
            _ = PQconsumeInput(connection)  // notice a dead socket now (see `error(from:connection:)`)
        }
        let message = trimmed(String(cString: PQerrorMessage(connection)))
        let lost = PQstatus(connection) == CONNECTION_BAD
        return PostgresError(kind: lost ? .connection : .protocol, message: message.isEmpty ? fallback : message)
    }

    /// The severity of a notice in English (`WARNING`, `NOTICE`, ...), whatever `lc_messages` says.
    static func severity(_ result: OpaquePointer) -> String? {
        PQresultErrorField(result, severityField).map { String(cString: $0) }
    }

    static func primaryMessage(_ result: OpaquePointer) -> String? {
        PQresultErrorField(result, tradu_PG_DIAG_MESSAGE_PRIMARY).map { String(cString: $0) }
    }

    static func trimmed(_ text: String) -> String {
        var text = Substring(text)
        while let last = text.last, last.isWhitespace { text.removeLast() }
        return String(text)
    }
}
