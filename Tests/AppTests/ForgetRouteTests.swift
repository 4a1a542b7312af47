import EventStore
import Foundation
import HummingbirdTesting
import Provisioning
import Simulator
import Testing

/// `POST /stores/{id}/forget` on the in-memory application (the same graph as `urumi serve`):
/// the store list, the store and its past read "[erased]"; a running store is refused.
@Suite("Forget route", .timeLimit(.minutes(1)))
struct ForgetRouteTests {
    @Test func aForgottenStoreReadsErasedInTheListTheStoreAndItsPast() async throws {
        let app = InMemoryApp()
        try await app.run { client in
            let id = try await StoreOperationRouteTests.readyStore(app, client, domain: "forget.example.com")
            #expect(try await client.json(.get, "/stores/\(id)").body["adminEmail"] as? String == "admin@forget.example.com")
            let forgotten = try await client.json(.post, "/stores/\(id)/forget")
            #expect(forgotten.status == 200, "\(forgotten.body)")
            #expect((forgotten.body["store"] as? [String: Any])?["adminEmail"] as? String == "[erased]")
            let position = try #require(forgotten.body["position"] as? String)
            let shown = try await client.json(.get, "/stores/\(id)?min_position=\(position)")
            #expect(shown.body["adminEmail"] as? String == "[erased]")
            #expect(shown.body["upToDate"] as? Bool == true)
            let listed = try await client.json(.get, "/stores")
            let row = (listed.body["items"] as? [[String: Any]])?.first { $0["id"] as? String == id }
            #expect(row?["adminEmail"] as? String == "[erased]", "the list has reached the position too")
            #expect(try await client.json(.get, "/stores/\(id)?version=1").body["adminEmail"] as? String == "[erased]")
            let stored = try await app.dependencies.events.readStream(StreamID("store-\(id)"))
            #expect(stored.first?.type == "store.requested.v2")
            #expect(stored.allSatisfy { !$0.data.contains("admin@forget.example.com") })
        }
    }

    @Test func aStoreStillProvisioningIsNotForgotten() async throws {
        let app = InMemoryApp(simulation: SimulationSettings(latency: .seconds(3600)))
        try await app.run { client in
            let id = try await client.createStore(domain: "busy.example.com")
            let refused = try await client.json(.post, "/stores/\(id)/forget")
            #expect(refused.status == 409, "\(refused.body)")
            let types = try await app.types(of: id)
            #expect(types.first == "store.requested.v2")
            #expect(!types.contains("store.forgotten.v1"))
        }
    }
}
