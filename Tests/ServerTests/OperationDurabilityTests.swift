import Foundation
import Testing

/// Day-two operations across a SIGKILL: every operation ends exactly once (changed, or rolled
/// back), never both, and the release runs the config its last event says.
@Suite("Operation durability", .timeLimit(.minutes(5)))
struct OperationDurabilityTests {
    @Test func aKilledServerFinishesEachUpgradeOrItsRollbackNeverBothHalfDone() async throws {
        try await ServerDatabase.with { database in
            // About a third of the setups fail for good, so some operations roll back.
            let arguments = ["--sim-latency", "400ms", "--lease-ttl", "2s", "--concurrency", "20", "--sim-fail", "change-setup=0.35"]
            var server = try await UrumiProcess(databaseURL: database.url, arguments: arguments)
            var client = HTTPClient(base: server.baseURL)
            for index in 0..<12 {
                #expect(try await client.createStore("Upgrade \(index)", domain: "upgrade\(index).example.com").status == 202)
            }
            var stores = try await client.waitForStores(timeout: .seconds(60)) { stores in
                stores.count == 12 && stores.allSatisfy { $0["status"] as? String == "ready" }
            }
            var operations: [String: String] = [:]  // store id → operation id
            for store in stores {
                let id = store["id"] as! String
                let answer = try await client.request("PATCH", "/stores/\(id)", json: ["plan": "medium"])
                #expect(answer.status == 202, "\(answer.text)")
                operations[id] = (answer.json["operation"] as? [String: Any])?["id"] as? String
            }
            // Midway: some operation steps done, not every operation finished.
            _ = try await client.waitForStores(timeout: .seconds(30)) { stores in
                stores.filter { ($0["operation"] as? [String: Any]) != nil }.count >= 6
                    && stores.contains { (($0["operation"] as? [String: Any])?["steps"] as? [[String: Any]])?.first?["status"] as? String == "succeeded" }
            }
            server.kill()
            let finishedBeforeKill = try await database.count("store.changed.v1") + database.count("store.change-failed.v1")
            #expect(finishedBeforeKill < 12, "the kill came before every operation ended")

            server = try await UrumiProcess(databaseURL: database.url, arguments: arguments)
            defer { server.stop() }
            client = HTTPClient(base: server.baseURL)
            stores = try await client.waitForStores(timeout: .seconds(90)) { stores in
                stores.allSatisfy { $0["status"] as? String == "ready" && (($0["operations"] as? [Any])?.count ?? 0) == 1 }
            }
            var rolledBack = 0
            for store in stores {
                let id = store["id"] as! String
                let operation = try #require(operations[id])
                let ends = try await database.pool.query(
                    """
                    select type from events where stream_id = \("store-\(id)")
                    and type in ('store.changed.v1', 'store.change-failed.v1', 'store.rollback-started.v1')
                    and data->>'operation' = \(operation) order by stream_version
                    """)
                let types = try ends.map { try $0.decode(String.self, "type") }
                // Exactly one end; a rollback only ever ends as change-failed.
                #expect(types == ["store.changed.v1"] || types == ["store.rollback-started.v1", "store.change-failed.v1"], "\(id): \(types)")
                let record = (store["operations"] as? [[String: Any]])?.first
                let plan = store["plan"] as? String
                // The simulated release's current revision runs what the log says.
                let release = "store-\(id.prefix(8))"
                let current = try await database.pool.query(
                    "select values_json from sim_release_revisions where release = \(release) order by revision desc limit 1")
                let values = try current.first.map { try $0.decode(String.self, "values_json") } ?? ""
                if types.first == "store.changed.v1" {
                    #expect(record?["outcome"] as? String == "succeeded")
                    #expect(plan == "medium")
                    #expect(values.contains(#""plan":"medium""#), "\(values)")
                } else {
                    rolledBack += 1
                    #expect(record?["outcome"] as? String == "rolled-back")
                    #expect(plan == "small")
                    #expect(values.contains(#""plan":"small""#), "\(values)")
                }
            }
            #expect(rolledBack > 0 && rolledBack < 12, "both endings were exercised (\(rolledBack) rolled back)")
            #expect(try await database.streamsAreContiguous())
        }
    }
}

extension ServerDatabase {
    /// How many events of `type` the log holds.
    func count(_ type: String) async throws -> Int {
        let rows = try await pool.query("select count(*)::int as n from events where type = \(type)")
        return try rows.first?.decode(Int.self, "n") ?? 0
    }
}

/// Restores across a SIGKILL: each restore ends exactly once, and the shop holds the backup's
/// data (the simulated cluster's data is in the database, so it survives the process).
@Suite("Restore durability", .timeLimit(.minutes(5)))
struct RestoreDurabilityTests {
    @Test func aServerKilledMidRestoreFinishesItAfterRestart() async throws {
        try await ServerDatabase.with { database in
            let arguments = ["--sim-latency", "300ms", "--lease-ttl", "2s", "--concurrency", "10"]
            var server = try await UrumiProcess(databaseURL: database.url, arguments: arguments)
            var client = HTTPClient(base: server.baseURL)
            for index in 0..<6 {
                #expect(try await client.createStore("Restore \(index)", domain: "restore\(index).example.com").status == 202)
            }
            var stores = try await client.waitForStores(timeout: .seconds(60)) { stores in
                stores.count == 6 && stores.allSatisfy { $0["status"] as? String == "ready" }
            }
            // Each shop's data, backed up; then changed ("a bad day"), then restored.
            var backups: [String: String] = [:]
            for store in stores {
                let id = store["id"] as! String
                try await database.pool.query(
                    """
                    insert into sim_store_data (release, data) values (\("store-\(id.prefix(8))"), \("good data of \(id)"))
                    on conflict (release) do update set data = excluded.data
                    """)
                #expect(try await client.request("POST", "/stores/\(id)/backups").status == 202)
            }
            stores = try await client.waitForStores(timeout: .seconds(60)) { stores in
                stores.allSatisfy { ($0["backups"] as? [[String: Any]])?.first?["status"] as? String == "completed" }
            }
            for store in stores {
                let id = store["id"] as! String
                backups[id] = (store["backups"] as? [[String: Any]])?.first?["id"] as? String
                try await database.pool.query(
                    "update sim_store_data set data = \("broken data of \(id)") where release = \("store-\(id.prefix(8))")")
                let answer = try await client.request("POST", "/stores/\(id)/restore", json: ["backup": try #require(backups[id])])
                #expect(answer.status == 202, "\(answer.text)")
            }
            // Midway: some restores past their safety backup, none finished.
            _ = try await client.waitForStores(timeout: .seconds(30)) { stores in
                stores.contains { (($0["operation"] as? [String: Any])?["currentStep"] as? String).map { ["restore", "apply", "workloads"].contains($0) } ?? false }
            }
            server.kill()
            #expect(try await database.count("store.restored.v1") < 6, "the kill came before every restore ended")

            server = try await UrumiProcess(databaseURL: database.url, arguments: arguments)
            defer { server.stop() }
            client = HTTPClient(base: server.baseURL)
            stores = try await client.waitForStores(timeout: .seconds(90)) { stores in
                stores.allSatisfy { $0["status"] as? String == "ready" && (($0["operations"] as? [Any])?.count ?? 0) == 2 }
            }
            for store in stores {
                let id = store["id"] as! String
                #expect(try await database.pool.query(
                    "select 1 as one from events where stream_id = \("store-\(id)") and type = 'store.restored.v1'").count == 1)
                let data = try await database.pool.query(
                    "select data from sim_store_data where release = \("store-\(id.prefix(8))")")
                #expect(try data.first?.decode(String.self, "data") == "good data of \(id)")
                let reasons = (store["backups"] as? [[String: Any]])?.compactMap { $0["reason"] as? String }
                #expect(reasons == ["manual", "safety"], "one safety backup, however often the step ran: \(String(describing: reasons))")
            }
            #expect(try await database.streamsAreContiguous())
        }
    }
}
