import Foundation
import Logging
import Postgres
import Testing

/// Throwaway databases on the PostgreSQL server named by `DATABASE_URL`, shared by every test
/// target. Its absence is a failure, never a skip: CI must not go green without PostgreSQL.
public enum ScratchDatabase {
    public struct Missing: Error, CustomStringConvertible {
        public var description: String { "DATABASE_URL is not set" }
    }

    /// The server's URL (`DATABASE_URL`).
    public static func serverURL() throws -> String {
        guard let url = ProcessInfo.processInfo.environment["DATABASE_URL"], !url.isEmpty else {
            Issue.record("DATABASE_URL is not set: these tests need a PostgreSQL server (scripts/test starts one)")
            throw Missing()
        }
        return url
    }

    /// A fresh database name: `<prefix>_` and 16 hex digits.
    public static func newName(_ prefix: String) -> String {
        prefix + "_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(16).lowercased()
    }

    /// The same server URL with another database (postgres://user@host:port/NAME?...).
    public static func url(of name: String, on server: String) -> String {
        guard var components = URLComponents(string: server) else { return server }
        components.path = "/" + name
        return components.string ?? server
    }

    /// CREATE DATABASE with the FILE_COPY strategy: a short transaction (WAL_LOG copies the
    /// template through the WAL inside a writing transaction held for seconds, and every
    /// gap-free log reader on the server waits behind it). Once more if the connection was lost
    /// meanwhile (dozens of servers and tests share one PostgreSQL); a database that a lost
    /// attempt did create counts as created.
    public static func create(_ name: String, on adminPool: PostgresPool) async throws {
        for attempt in 1...3 {
            do {
                try await adminPool.query(PostgresQuery(unsafeSQL: "create database \(name) strategy file_copy"))
                return
            } catch let error as PostgresError where error.sqlState == "42P04" && attempt > 1 {
                return
            } catch let error as PostgresError where error.isTransient && attempt < 3 {
                try await Task.sleep(for: .milliseconds(200 * attempt))
            }
        }
    }

    /// DROP DATABASE ... WITH (FORCE); failures are ignored (the server is thrown away anyway).
    public static func drop(_ name: String, on adminPool: PostgresPool) async {
        _ = try? await adminPool.query(PostgresQuery(unsafeSQL: "drop database if exists \(name) with (force)"))
    }
}
