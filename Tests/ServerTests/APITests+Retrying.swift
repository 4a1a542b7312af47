import Foundation
import Testing

extension APITests {
    /// `POST /stores/{id}/retry` where it does not apply.
    @Suite("Retrying a store")
    struct Retrying {
        @Test func retryingAReadyStoreIsAConflict() async throws {
            let shared = try SharedServer.required
            let client = shared.client
            let id = try await client.createdStoreID(domain: uniqueDomain("retryready"))
            try await client.waitForStatus(id, "ready")
            let body = expectProblem(try await client.request("POST", "/stores/\(id)/retry"), 409, "conflict")
            #expect((body["detail"] as? String)?.contains("ready") == true)
            #expect(try await shared.database.eventTypes(ofStore: id).contains("store.retry-requested.v1") == false)
        }

        @Test func retryingADeletedStoreIsAConflict() async throws {
            let client = try SharedServer.required.client
            let id = try await client.createdStoreID(domain: uniqueDomain("retrydeleted"))
            try await client.waitForStatus(id, "ready")
            expectJSON(try await client.request("DELETE", "/stores/\(id)"), 202)
            try await client.waitForStatus(id, "deleted")
            expectProblem(try await client.request("POST", "/stores/\(id)/retry"), 409, "conflict")
        }

        @Test func retryingAnUnknownStoreIsNotFound() async throws {
            let client = try SharedServer.required.client
            let id = UUID().uuidString.lowercased()
            expectProblem(try await client.request("POST", "/stores/\(id)/retry"), 404, "not-found")
        }
    }
}

/// A store that failed on one server is retried on another, healthy one.
@Suite("Retrying a failed store", .timeLimit(.minutes(3)))
struct RetryTests {
    @Test func aFailedStoreRetriedOnAHealthyServerBecomesReady() async throws {
        try await ServerDatabase.with { database in
            let failing = try await UrumiProcess(
                databaseURL: database.url, arguments: ["--sim-latency", "10ms", "--sim-fail", "mysql=1"])
            let client = HTTPClient(base: failing.baseURL)
            let id = try await client.createdStoreID(domain: "retry.example.com")
            let failed = try await client.waitForStatus(id, "failed")
            #expect((failed["lastError"] as? String)?.contains("mysql") == true)
            #expect(failed["currentStep"] as? String == "mysql")
            #expect(steps(failed)["mysql"]?["lastError"] as? String == "simulated failure of mysql")
            // Still failed, so a retry there would fail again: stop it and come back healthy.
            await failing.stopAndWait()
            #expect(try await database.inventory().namespaces.isEmpty)

            try await InProcessServer.run(databaseURL: database.url, arguments: ["--sim-latency", "10ms"]) { healthy in
                let client = HTTPClient(base: healthy.baseURL)
                let response = try await client.request("POST", "/stores/\(id)/retry")
                let body = expectJSON(response, 202)
                #expect(body["status"] as? String == "provisioning")
                #expect(body["replayed"] as? Bool == false)
                #expect(response.header("Location") == "/stores/\(id)")
                // It is no longer failed (provisioning, or ready already): a second retry is refused.
                expectProblem(try await client.request("POST", "/stores/\(id)/retry"), 409, "conflict")

                let ready = try await client.waitForStatus(id, "ready")
                #expect(ready["lastError"] == nil && ready["needsAttention"] as? Bool == false)
                #expect(
                    (ready["steps"] as? [[String: Any]])?.allSatisfy {
                        $0["status"] as? String == "succeeded" && $0["attempts"] as? Int == 1
                    } == true, "every step ran again, counting attempts from 1")
                // Every step started twice (first run up to mysql), each run at attempt 1.
                let starts = try await database.eventData(ofStore: id, type: "store.step-started.v1")
                #expect(
                    starts.map { $0["step"] as? String ?? "?" } == [
                        "namespace", "helm", "mysql", "namespace", "helm", "mysql", "wordpress", "woocommerce",
                    ])
                #expect(starts.allSatisfy { $0["attempt"] as? Int == 1 })
                let types = try await database.eventTypes(ofStore: id)
                #expect(types.filter { $0 == "store.retry-requested.v1" }.count == 1)
                let inventory = try await database.inventory()
                #expect(inventory.namespaces == ["store-\(id)": 2], "created, removed by compensation, created again")
                #expect(inventory.releases == ["store-\(id.prefix(8))": 2])
            }
        }
    }
}
