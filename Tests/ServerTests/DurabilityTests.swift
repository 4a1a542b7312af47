import Foundation
import Testing

/// Crashes and replicas: real processes, SIGKILL, one database.
@Suite("Durability", .timeLimit(.minutes(5)))
struct DurabilityTests {
    @Test func aKilledServerResumesEverySagaWithoutDuplicates() async throws {
        try await ServerDatabase.with { database in
            // A short lease so the restarted process may take over the dead one's sagas soon.
            let arguments = ["--sim-latency", "600ms", "--lease-ttl", "2s", "--concurrency", "30"]
            var server = try await UrumiProcess(databaseURL: database.url, arguments: arguments)
            var client = HTTPClient(base: server.baseURL)
            for index in 0..<30 {
                #expect(try await client.createStore("Crash \(index)", domain: "crash\(index).example.com").status == 202)
            }
            // Midway: some steps done, no store finished yet (5 steps × 600 ms each).
            _ = try await client.waitForStores(timeout: .seconds(30)) { stores in
                let started = stores.flatMap { $0["steps"] as! [[String: Any]] }.filter { $0["status"] as? String == "succeeded" }
                return started.count >= 30
            }
            server.kill()
            let beforeRestart = try await database.stepEventCounts("store.step-succeeded.v1").values.reduce(0, +)
            #expect(beforeRestart < 150, "the kill happened before every step was done")

            server = try await UrumiProcess(databaseURL: database.url, arguments: arguments)
            defer { server.stop() }
            client = HTTPClient(base: server.baseURL)
            let stores = try await client.waitForStores(timeout: .seconds(90)) { stores in
                stores.count == 30 && stores.allSatisfy { terminalStatuses.contains($0["status"] as! String) }
            }
            #expect(stores.allSatisfy { $0["status"] as? String == "ready" })
            // Nothing was created twice: steps are idempotent and a re-run finds what exists.
            let inventory = try await database.inventory()
            #expect(inventory.namespaces.count == 30 && inventory.releases.count == 30)
            #expect(inventory.namespaces.values.allSatisfy { $0 == 1 }, "\(inventory.namespaces)")
            #expect(inventory.releases.values.allSatisfy { $0 == 1 }, "\(inventory.releases)")
            #expect(try await database.streamsAreContiguous())
            let succeeded = try await database.stepEventCounts("store.step-succeeded.v1")
            #expect(succeeded.count == 150 && succeeded.values.allSatisfy { $0 == 1 })
        }
    }

    @Test func twoServersOnOneDatabaseRunEachStepOnce() async throws {
        try await ServerDatabase.with { database in
            let arguments = ["--sim-latency", "30ms", "--concurrency", "8"]
            let first = try await UrumiProcess(databaseURL: database.url, arguments: arguments)
            defer { first.stop() }
            let second = try await UrumiProcess(databaseURL: database.url, arguments: arguments)
            defer { second.stop() }
            let clients = [HTTPClient(base: first.baseURL), HTTPClient(base: second.baseURL)]
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<40 {
                    group.addTask {
                        let response = try await clients[index % 2].createStore("Twin \(index)", domain: "twin\(index).example.com")
                        #expect(response.status == 202)
                    }
                }
                try await group.waitForAll()
            }
            let stores = try await clients[0].waitForStores { stores in
                stores.count == 40 && stores.allSatisfy { terminalStatuses.contains($0["status"] as! String) }
            }
            #expect(stores.allSatisfy { $0["status"] as? String == "ready" })
            let started = try await database.stepEventCounts("store.step-started.v1")
            let succeeded = try await database.stepEventCounts("store.step-succeeded.v1")
            #expect(started.count == 200 && started.values.allSatisfy { $0 == 1 }, "every step started once")
            #expect(succeeded.count == 200 && succeeded.values.allSatisfy { $0 == 1 }, "every step succeeded once")
            let inventory = try await database.inventory()
            #expect(inventory.namespaces.values.allSatisfy { $0 == 1 } && inventory.namespaces.count == 40)
            // Both replicas did work (the queue is shared, the leases split it).
            let owners = try await database.pool.query("select count(*) as n from saga_leases")
            #expect(try owners.first!.decode(Int.self, "n") == 0, "every lease was released")
        }
    }
}
