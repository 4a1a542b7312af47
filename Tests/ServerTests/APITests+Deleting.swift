import Foundation
import Testing

extension APITests {
    /// `DELETE /stores/{id}` on the shared server.
    @Suite("Deleting a store")
    struct Deleting {
        @Test func deletingAReadyStoreTearsItDownAndFreesTheCluster() async throws {
            let shared = try SharedServer.required
            let client = shared.client
            let id = try await client.createdStoreID(domain: uniqueDomain("delete"))
            try await client.waitForStatus(id, "ready")
            let inventoryBefore = try await shared.database.inventory()
            #expect(inventoryBefore.namespaces["store-\(id)"] == 1)
            #expect(inventoryBefore.releases["store-\(id.prefix(8))"] == 1)

            let response = try await client.request("DELETE", "/stores/\(id)?final_backup=false")
            let body = expectJSON(response, 202)
            #expect(body["id"] as? String == id)
            #expect(body["status"] as? String == "deleting")
            #expect(body["replayed"] as? Bool == false)
            #expect(response.header("Location") == "/stores/\(id)")
            #expect((body["position"] as? String)?.wholeMatch(of: /[0-9]+-[0-9]+/) != nil)

            let deleted = try await client.waitForStatus(id, "deleted")
            #expect(deleted["urls"] == nil && deleted["currentStep"] == nil)
            let inventory = try await shared.database.inventory()
            #expect(inventory.namespaces["store-\(id)"] == nil)
            #expect(inventory.releases["store-\(id.prefix(8))"] == nil)
            #expect(
                try await shared.database.eventTypes(ofStore: id).suffix(5) == [
                    "store.deletion-requested.v1", "store.compensation-started.v1", "store.step-compensated.v1",
                    "store.step-compensated.v1", "store.deleted.v1",
                ])
            let started = try await shared.database.eventData(ofStore: id, type: "store.compensation-started.v1")
            #expect(started.map { $0["cause"] as? String } == ["deletion"])
        }

        @Test func deletingTwiceIsAcceptedBothTimesAndRecordedOnce() async throws {
            let shared = try SharedServer.required
            let client = shared.client
            let id = try await client.createdStoreID(domain: uniqueDomain("twice"))
            try await client.waitForStatus(id, "ready")
            // By default the deletion follows a final backup.
            let first = expectJSON(try await client.request("DELETE", "/stores/\(id)"), 202)
            let second = expectJSON(try await client.request("DELETE", "/stores/\(id)"), 202)
            #expect(first["replayed"] as? Bool == false)
            #expect(first["status"] as? String == "backing-up")
            #expect((first["operation"] as? [String: Any])?["kind"] as? String == "backup")
            #expect(second["replayed"] as? Bool == true)
            #expect(["backing-up", "deleting", "deleted"].contains(second["status"] as? String ?? "?"))
            try await client.waitForStatus(id, "deleted")
            let third = expectJSON(try await client.request("DELETE", "/stores/\(id)"), 202)
            #expect(third["status"] as? String == "deleted")
            let types = try await shared.database.eventTypes(ofStore: id)
            #expect(types.filter { $0 == "store.deletion-requested.v1" }.count == 1)
            #expect(types.filter { $0 == "store.deleted.v1" }.count == 1)
            #expect(types.filter { $0 == "store.backup-completed.v1" }.count == 1)
            // The final backup outlives the store, listed with the date it is kept until.
            let backups = expectJSON(try await client.request("GET", "/stores/\(id)/backups"), 200)
            let items = backups["items"] as? [[String: Any]] ?? []
            #expect(items.map { $0["reason"] as? String } == ["final"])
            #expect(items.first?["keepUntil"] is String)
        }

        @Test func concurrentDeletesAreAllAcceptedAndRecordedOnce() async throws {
            let shared = try SharedServer.required
            let client = shared.client
            let id = try await client.createdStoreID(domain: uniqueDomain("racedel"))
            try await client.waitForStatus(id, "ready")
            let responses = try await withThrowingTaskGroup(of: HTTPResult.self) { group in
                for _ in 0..<5 { group.addTask { try await client.request("DELETE", "/stores/\(id)") } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(responses.map(\.status) == Array(repeating: 202, count: 5), "\(responses.map(\.text))")
            #expect(responses.filter { $0.json["replayed"] as? Bool == false }.count == 1)
            try await client.waitForStatus(id, "deleted")
            let types = try await shared.database.eventTypes(ofStore: id)
            #expect(types.filter { $0 == "store.deletion-requested.v1" }.count == 1)
        }

        @Test func deletingAnUnknownStoreIsNotFound() async throws {
            let client = try SharedServer.required.client
            let id = UUID().uuidString.lowercased()
            expectProblem(try await client.request("DELETE", "/stores/\(id)"), 404, "not-found")
        }
    }
}

/// Deleting while a step runs: slow steps so the delete lands mid-step.
@Suite("Cancelling a store", .timeLimit(.minutes(3)))
struct CancellationTests {
    @Test func deletingWhileProvisioningCancelsAndCompensates() async throws {
        try await ServerDatabase.with { database in
            // WooCommerce never finishes, so the store cannot become ready before the delete
            // lands, however late the store list shows the running step on a busy machine.
            try await InProcessServer.run(
                databaseURL: database.url, arguments: ["--sim-latency", "400ms", "--sim-hang", "woocommerce=1"]) { server in
                let client = HTTPClient(base: server.baseURL)
                let id = try await client.createdStoreID(domain: "cancel.example.com")
                // The namespace exists (something to undo) and a later step is running. Not "Helm
                // is running": the store list may skip a 400 ms state when PostgreSQL is busy.
                try await client.waitForStore(id) { store in
                    let state = steps(store)
                    return store["status"] as? String == "provisioning"
                        && state["namespace"]?["status"] as? String == "succeeded"
                        && state.values.contains { $0["status"] as? String == "running" }
                }
                let response = try await client.request("DELETE", "/stores/\(id)")
                let body = expectJSON(response, 202)
                #expect(body["status"] as? String == "deleting")

                let store = try await client.waitForStatus(id, "deleted")
                let inventory = try await database.inventory()
                #expect(inventory.namespaces.isEmpty, "\(inventory.namespaces)")
                #expect(inventory.releases.isEmpty, "\(inventory.releases)")
                let states = steps(store).mapValues { $0["status"] as? String ?? "?" }
                #expect(states["namespace"] == "compensated" && states["helm"] == "compensated")
                #expect(states.values.allSatisfy { $0 == "compensated" || $0 == "pending" }, "\(states)")
                let started = try await database.eventData(ofStore: id, type: "store.compensation-started.v1")
                #expect(started.map { $0["cause"] as? String } == ["cancelled"])
                let types = try await database.eventTypes(ofStore: id)
                #expect(types.filter { $0 == "store.deletion-requested.v1" }.count == 1)
                #expect(types.last == "store.deleted.v1")
                #expect(!types.contains("store.ready.v1"))
            }
        }
    }
}
