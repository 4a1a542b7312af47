import Foundation
import Logging
import Postgres
import Testing

/// A fresh, empty database on the server named by `DATABASE_URL` (its absence is a failure, not
/// a skip); `urumi serve` migrates it. Dropped afterwards.
enum ClusterTestDatabase {
    static func with<T>(_ body: (String) async throws -> T) async throws -> T {
        guard let admin = ProcessInfo.processInfo.environment["DATABASE_URL"], !admin.isEmpty else {
            Issue.record("DATABASE_URL is not set: the saga tests need a PostgreSQL server (see .ci/run)")
            throw UrumiServeFailure(log: "no DATABASE_URL")
        }
        var logger = Logger(label: "cluster-test-db")
        logger.logLevel = .warning
        let name = "urumi_k8s_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(16).lowercased()
        let pool = PostgresPool(url: admin, maxConnections: 1, logger: logger)
        try await pool.query(PostgresQuery(unsafeSQL: "create database \(name) strategy file_copy"))
        var components = URLComponents(string: admin)!
        components.path = "/" + name
        do {
            let value = try await body(components.string!)
            _ = try? await pool.query(PostgresQuery(unsafeSQL: "drop database if exists \(name) with (force)"))
            await pool.close()
            return value
        } catch {
            _ = try? await pool.query(PostgresQuery(unsafeSQL: "drop database if exists \(name) with (force)"))
            await pool.close()
            throw error
        }
    }
}
