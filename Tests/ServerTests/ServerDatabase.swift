import Foundation
import Logging
import Postgres
import Testing
import TestSupport

/// A fresh, empty database for one test on the server named by `DATABASE_URL` (no database
/// is a failure, not a skip). `urumi serve` migrates it when it starts.
struct ServerDatabase {
    let name: String
    let url: String
    let pool: PostgresPool
    private let admin: String

    static let logger: Logger = {
        var logger = Logger(label: "server-test")
        logger.logLevel = .warning
        return logger
    }()

    static func with<T>(_ body: (ServerDatabase) async throws -> T) async throws -> T {
        let admin = try ScratchDatabase.serverURL()
        let name = ScratchDatabase.newName("urumi_srv")
        let adminPool = PostgresPool(url: admin, maxConnections: 1, logger: logger)
        _ = try await DatabaseDDLGate.shared.ddl {
            try await ScratchDatabase.create(name, on: adminPool)
        }
        let url = ScratchDatabase.url(of: name, on: admin)
        let database = ServerDatabase(name: name, url: url, pool: PostgresPool(url: url, maxConnections: 2, logger: logger), admin: admin)
        do {
            let value = try await body(database)
            await database.drop(adminPool)
            return value
        } catch {
            await database.drop(adminPool)
            throw error
        }
    }

    private func drop(_ adminPool: PostgresPool) async {
        await pool.close()
        let name = self.name
        _ = await DatabaseDDLGate.shared.ddl {
            await ScratchDatabase.drop(name, on: adminPool)
        }
        await adminPool.close()
    }

    /// The simulated cluster's inventory as `urumi sim inventory` prints it.
    func inventory() async throws -> (namespaces: [String: Int], releases: [String: Int]) {
        let result = try await runUrumi(["sim", "inventory", "--database-url", url])
        guard result.status == 0 else { throw ProcessFailure.failed("sim inventory failed: \(result.stderr)") }
        let json = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as! [String: Any]
        func entries(_ key: String) -> [String: Int] {
            Dictionary(
                uniqueKeysWithValues: (json[key] as! [[String: Any]]).map { ($0["name"] as! String, $0["created"] as! Int) })
        }
        return (entries("namespaces"), entries("releases"))
    }

    /// Every store stream's versions are 1...n with no gap or repeat.
    func streamsAreContiguous() async throws -> Bool {
        let rows = try await pool.query(
            """
            select stream_id, count(*) as n, min(stream_version) as lo, max(stream_version) as hi,
                   count(distinct stream_version) as distinct_versions
            from events group by stream_id
            """)
        return try rows.allSatisfy { row in
            let n = try row.decode(Int64.self, "n")
            return try row.decode(Int64.self, "lo") == 1 && row.decode(Int64.self, "hi") == n
                && row.decode(Int64.self, "distinct_versions") == n
        }
    }

    /// How many events of `type` each store has for each step (`data->>'step'`).
    func stepEventCounts(_ type: String) async throws -> [String: Int] {
        let rows = try await pool.query(
            """
            select stream_id || '/' || (data->>'step') as key, count(*) as n from events
            where type = \(type) group by 1
            """)
        var counts: [String: Int] = [:]
        for row in rows { counts[try row.decode(String.self, "key")] = try row.decode(Int.self, "n") }
        return counts
    }
}
