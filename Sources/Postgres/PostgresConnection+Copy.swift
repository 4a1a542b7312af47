import CLibPQ

extension PostgresConnection {
    /// Runs `statement`, a `copy ... from stdin` in text format, and sends it the rows that
    /// `body` hands to the sink, chunk by chunk, as they are made (a caller may make the next
    /// chunk while this one travels); returns the number of rows copied. Rows travel as
    /// PostgreSQL parses them, with no JSON or parameter in between: the bulk path of a
    /// projection rebuild. When `body` throws, the copy is aborted (nothing of it stays) and
    /// its error rethrown.
    @discardableResult
    public func copy(
        _ statement: PostgresQuery, _ body: (_ send: (PostgresCopyRows) async throws -> Void) async throws -> Void
    ) async throws -> Int {
        precondition(statement.binds.isEmpty, "COPY takes no parameters")
        counter?.add()
        try await onQueue { conn in
            let result = PQexec(conn, statement.sql)
            if let result, PQresultStatus(result) == PGRES_COPY_IN {
                PQclear(result)
                return
            }
            _ = try self.consume(result, conn)  // the server's error
            throw PostgresError(.server, "not a COPY FROM STDIN statement")
        }
        do {
            try await body { rows in
                let bytes = rows.bytes
                try await self.onQueue { conn in
                    let sent = bytes.withUnsafeBufferPointer { buffer in
                        buffer.withMemoryRebound(to: CChar.self) { PQputCopyData(conn, $0.baseAddress, Int32($0.count)) }
                    }
                    if sent != 1 { throw self.connectionError(conn) }
                }
            }
        } catch {
            _ = try? await endCopy(failure: "aborted by the client")
            throw error
        }
        return try await endCopy(failure: nil)
    }

    /// Ends the copy (or aborts it with `failure`) and reads its outcome.
    private func endCopy(failure: String?) async throws -> Int {
        try await onQueue { conn in
            guard PQputCopyEnd(conn, failure) == 1 else { throw self.connectionError(conn) }
            var copied = 0
            var error: (any Error)?
            while let result = PQgetResult(conn) {
                do { copied = try self.consume(result, conn).affectedRows } catch let failure { error = error ?? failure }
            }
            if let error { throw error }
            return copied
        }
    }
}
