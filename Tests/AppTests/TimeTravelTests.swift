import EventStore
import Foundation
import HummingbirdTesting
import Provisioning
import Testing

/// `GET /stores/{id}?version=N` and `?at=TIME`: the store as it was then, folded from its
/// stream, at every version of a store that was provisioned and then changed.
@Suite("Time travel", .timeLimit(.minutes(1)))
struct TimeTravelTests {
    @Test func everyVersionOfAStoreCanBeReadBack() async throws {
        let app = InMemoryApp()
        try await app.run { client in
            let id = try await StoreOperationRouteTests.readyStore(app, client, domain: "travel.example.com")
            #expect(try await client.json(.patch, "/stores/\(id)", ["plan": "medium"]).status == 202)
            _ = try await app.event("store.changed.v1", of: id)
            let stream = try await app.dependencies.events.readStream(StreamID("store-\(id)"))
            #expect(stream.count >= 15)
            var state: StoreState?
            for event in stream {
                if let decoded = try StoreEvent(event) { state = StoreState.evolve(state, decoded, at: event.recordedAt) }
                state?.version = event.version
                let past = try await client.json(.get, "/stores/\(id)?version=\(event.version)")
                #expect(past.status == 200, "\(past.body)")
                #expect(past.body["version"] as? Int == Int(event.version))
                #expect(past.body["status"] as? String == state?.status.rawValue, "version \(event.version)")
                #expect(past.body["plan"] as? String == StoreView(try #require(state)).plan.rawValue)
            }
            let first = try await client.json(.get, "/stores/\(id)?version=1")
            #expect(first.body["status"] as? String == "provisioning")
            let last = try #require(stream.last)
            let now = try await client.json(.get, "/stores/\(id)?at=\(StoreEvent.formatDate(last.recordedAt))")
            #expect(now.body["plan"] as? String == "medium")
            #expect(now.body["asOfEvent"] as? String == StoreEvent.formatDate(last.recordedAt))
            let before = try await client.json(.get, "/stores/\(id)?at=2000-01-01T00:00:00Z")
            #expect(before.status == 404)
            for query in ["at=yesterday", "version=0", "version=x", "at=2026-01-01T00:00:00Z&version=2"] {
                let refused = try await client.json(.get, "/stores/\(id)?\(query)")
                #expect(refused.status == 400, "\(query): \(refused.body)")
            }
        }
    }
}
