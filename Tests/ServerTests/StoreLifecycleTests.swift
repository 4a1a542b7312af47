import Foundation
import Testing

/// The store lifecycle through a real `urumi serve` on the simulated cluster and PostgreSQL.
@Suite("Store lifecycle", .timeLimit(.minutes(4)))
struct StoreLifecycleTests {
    @Test func fiftyStoresCreatedConcurrentlyAllReachReady() async throws {
        try await ServerDatabase.with { database in
            try await InProcessServer.run(databaseURL: database.url, arguments: ["--sim-latency", "20ms"]) { server in
                let client = HTTPClient(base: server.baseURL)
                let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                    for index in 0..<50 {
                        group.addTask { try await client.createStore("Shop \(index)", domain: "shop\(index).example.com").status }
                    }
                    return try await group.reduce(into: []) { $0.append($1) }
                }
                #expect(statuses.allSatisfy { $0 == 202 })
                let stores = try await client.waitForStores { stores in
                    stores.count == 50 && stores.allSatisfy { terminalStatuses.contains($0["status"] as! String) }
                }
                #expect(stores.allSatisfy { $0["status"] as? String == "ready" })
                for store in stores {
                    let steps = store["steps"] as! [[String: Any]]
                    #expect(steps.map { $0["status"] as! String } == Array(repeating: "succeeded", count: 5))
                    #expect(steps.allSatisfy { $0["attempts"] as? Int == 1 })
                }
                let inventory = try await database.inventory()
                #expect(inventory.namespaces.count == 50 && inventory.releases.count == 50)
                #expect(inventory.namespaces.values.allSatisfy { $0 == 1 })
                #expect(try await database.streamsAreContiguous())
                // The Prometheus scrape agrees with the store list, with its help lines.
                let metrics = try await client.get("/metrics")
                #expect(metrics.status == 200)
                #expect(metrics.text.contains("# HELP urumi_stores Stores by status"), "\(metrics.text.prefix(2000))")
                #expect(metrics.text.contains("urumi_stores{status=\"ready\"} 50"), "\(metrics.text.prefix(2000))")
                #expect(metrics.text.contains("urumi_stores{status=\"failed\"} 0"))
                #expect(metrics.text.contains("urumi_db_pool_max 4"))
            }
        }
    }

    @Test func failedStoresLeaveNothingBehind() async throws {
        try await ServerDatabase.with { database in
            try await InProcessServer.run(
                databaseURL: database.url,
                arguments: ["--sim-latency", "10ms", "--sim-fail", "mysql=0.5", "--sim-seed", "7"]) { server in
                let client = HTTPClient(base: server.baseURL)
                for index in 0..<24 {
                    #expect(try await client.createStore("Shop \(index)", domain: "f\(index).example.com").status == 202)
                }
                let stores = try await client.waitForStores { stores in
                    stores.count == 24 && stores.allSatisfy { terminalStatuses.contains($0["status"] as! String) }
                }
                let failed = stores.filter { $0["status"] as? String == "failed" }
                let ready = stores.filter { $0["status"] as? String == "ready" }
                #expect(failed.count + ready.count == 24)
                #expect(!failed.isEmpty && !ready.isEmpty, "with p=0.5 over 24 stores both outcomes occur")
                let inventory = try await database.inventory()
                for store in failed {
                    let id = store["id"] as! String
                    #expect(inventory.namespaces["store-\(id)"] == nil)
                    #expect(inventory.releases["store-\(id.prefix(8))"] == nil)
                    #expect(store["needsAttention"] as? Bool == false)
                    #expect((store["lastError"] as? String)?.contains("mysql") == true)
                    let steps = Dictionary(uniqueKeysWithValues: (store["steps"] as! [[String: Any]]).map {
                        ($0["name"] as! String, $0["status"] as! String)
                    })
                    #expect(steps["namespace"] == "compensated" && steps["helm"] == "compensated")
                }
                #expect(Set(inventory.namespaces.keys) == Set(ready.map { "store-\($0["id"] as! String)" }))
                #expect(inventory.releases.count == ready.count)
            }
        }
    }
}
