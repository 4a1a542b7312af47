import Foundation
import Logging
import Postgres
import Testing
import TestSupport

/// A fresh, empty database on the server named by `DATABASE_URL` (its absence is a failure, not
/// a skip); `urumi serve` migrates it. Dropped afterwards.
enum ClusterTestDatabase {
    static func with<T>(_ body: (String) async throws -> T) async throws -> T {
        let admin = try ScratchDatabase.serverURL()
        var logger = Logger(label: "cluster-test-db")
        logger.logLevel = .warning
        let name = ScratchDatabase.newName("urumi_k8s")
        let pool = PostgresPool(url: admin, maxConnections: 1, logger: logger)
        try await ScratchDatabase.create(name, on: pool)
        do {
            let value = try await body(ScratchDatabase.url(of: name, on: admin))
            await ScratchDatabase.drop(name, on: pool)
            await pool.close()
            return value
        } catch {
            await ScratchDatabase.drop(name, on: pool)
            await pool.close()
            throw error
        }
    }
}
