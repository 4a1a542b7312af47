import Foundation
import Logging
import Postgres
import PostgresEvents
import PostgresReadModels

/// A database of the benchmark's own (`urumi_bench_<random>`) on the server the URL names,
/// migrated with the real Migrator, and dropped at the end whatever happens.
struct BenchDatabase {
    let name: String
    let url: String
    let pool: PostgresPool

    static func with<T>(
        serverURL: String, maxConnections: Int, logger: Logger, _ body: (BenchDatabase) async throws -> T
    ) async throws -> T {
        let name = "urumi_bench_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(12).lowercased()
        let admin = PostgresPool(url: serverURL, maxConnections: 1, applicationName: "urumi-bench", logger: logger)
        // The name is made here from hex digits, never from input.
        try await admin.query(PostgresQuery(unsafeSQL: "create database \(name)"))
        let url = replacingDatabase(in: serverURL, with: name)
        let pool = PostgresPool(
            url: url, maxConnections: maxConnections, applicationName: "urumi-bench", logger: logger)
        let database = BenchDatabase(name: name, url: url, pool: pool)
        func drop() async {
            await pool.close()
            _ = try? await admin.query(PostgresQuery(unsafeSQL: "drop database if exists \(name) with (force)"))
            await admin.close()
        }
        do {
            // The simulated cluster's table too: the saga and SSE benchmarks run simulated.
            let schema = try Migrator.locateSchemaDirectory()
            try await Migrator(directories: [schema, Migrator.simulatorDirectory(in: schema)], logger: logger)
                .migrate(pool: pool)
            let value = try await body(database)
            await drop()
            return value
        } catch {
            await drop()
            throw error
        }
    }

    /// The same server URL with another database (`postgres://user@host:port/NAME?...`).
    static func replacingDatabase(in url: String, with name: String) -> String {
        guard var components = URLComponents(string: url), components.scheme?.hasPrefix("postgres") == true else {
            // A keyword/value connection string: a later dbname wins.
            return url + " dbname=\(name)"
        }
        components.path = "/" + name
        return components.string ?? url
    }

    func makePool(maxConnections: Int, logger: Logger) -> PostgresPool {
        PostgresPool(url: url, maxConnections: maxConnections, applicationName: "urumi-bench", logger: logger)
    }
}
