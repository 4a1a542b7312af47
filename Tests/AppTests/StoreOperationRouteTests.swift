import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// Day-two operations over the routes, in memory: `PATCH /stores/{id}` (merge patch),
/// suspend/resume and domains answer 202 with the operation, refuse bad input field by field
/// with nothing appended, run one operation at a time, and honour `Idempotency-Key`.
@Suite("Store operations over HTTP", .timeLimit(.minutes(1)))
struct StoreOperationRouteTests {
    /// A ready store's id.
    static func readyStore(_ app: InMemoryApp, _ client: any TestClientProtocol, domain: String) async throws -> String {
        let id = try await client.createStore(domain: domain)
        _ = try await app.event("store.ready.v1", of: id)
        return id
    }

    @Test func aPatchStartsAnUpdateThatEndsWithTheNewConfigApplied() async throws {
        let app = InMemoryApp()
        try await app.run { client in
            let id = try await Self.readyStore(app, client, domain: "patch.example.com")
            let patch = try await client.json(
                .patch, "/stores/\(id)",
                ["plan": "medium", "name": "Renamed", "plugins": ["akismet", ["slug": "jetpack", "version": "14.1"]]],
                headers: [.contentType: "application/merge-patch+json"])
            #expect(patch.status == 202, "\(patch.body)")
            #expect(patch.headers[.location] == "/stores/\(id)")
            let operation = try #require(patch.body["operation"] as? [String: Any])
            #expect(operation["kind"] as? String == "update")
            #expect(operation["phase"] as? String == "applying")
            #expect(patch.body["status"] as? String == "updating")
            _ = try await app.event("store.changed.v1", of: id)
            let store = try await client.json(.get, "/stores/\(id)?min_position=\(try #require(patch.body["position"] as? String))")
            let shown = try await Self.settled(client, id)
            #expect(shown["plan"] as? String == "medium", "\(shown)")
            #expect(shown["name"] as? String == "Renamed")
            let applied = try #require(shown["applied"] as? [String: Any])
            #expect((applied["plugins"] as? [[String: Any]])?.compactMap { $0["slug"] as? String } == ["akismet", "jetpack"])
            #expect((shown["operations"] as? [[String: Any]])?.last?["outcome"] as? String == "succeeded")
            #expect(store.status == 200)
            let nothing = try await client.json(.patch, "/stores/\(id)", ["plan": "medium"])
            #expect(nothing.status == 200, "a change that changes nothing is no operation")
            #expect(nothing.body["replayed"] as? Bool == false)
            #expect(nothing.body["operation"] == nil)
            #expect(try await app.types(of: id).suffix(8) == [
                "store.change-requested.v1", "store.change-step-started.v1", "store.change-step-succeeded.v1",
                "store.change-step-started.v1", "store.change-step-succeeded.v1", "store.change-step-started.v1",
                "store.change-step-succeeded.v1", "store.changed.v1",
            ])
        }
    }

    /// The store once no operation runs (the read model follows the log).
    static func settled(_ client: any TestClientProtocol, _ id: String) async throws -> [String: Any] {
        for _ in 0..<200 {
            let store = try await client.json(.get, "/stores/\(id)").body
            if store["operation"] == nil || store["operation"] is NSNull, store["status"] as? String != "updating" { return store }
            try await Task.sleep(for: .milliseconds(10))
        }
        Issue.record("store \(id) kept an operation running")
        return [:]
    }

    @Test func badInputIsRefusedFieldByFieldAndNothingIsAppended() async throws {
        let app = InMemoryApp()
        try await app.run { client in
            let id = try await Self.readyStore(app, client, domain: "refuse.example.com")
            let before = try await app.types(of: id)
            let cases: [([String: Any], Int, [String])] = [
                (["plan": "huge", "wordpressVersion": "latest"], 422, ["plan", "wordpressVersion"]),
                (["plugins": ["Bad Slug"]], 422, ["plugins[0].slug"]),
                (["plugins": [["slug": "akismet", "colour": "red"]]], 422, ["plugins[0].colour"]),
                (["plugins": "akismet"], 422, ["plugins"]),
                (["name": NSNull()], 422, ["name"]),
                (["adminEmail": "x@example.com"], 422, ["adminEmail"]),
                ([:], 422, ["body"]),
            ]
            for (body, status, fields) in cases {
                let refused = try await client.json(.patch, "/stores/\(id)", body)
                #expect(refused.status == status, "\(body): \(refused.body)")
                #expect(refused.headers[.contentType] == "application/problem+json")
                let named = (refused.body["errors"] as? [[String: Any]] ?? []).compactMap { $0["field"] as? String }
                #expect(named == fields, "\(body): \(refused.body)")
            }
            // A plan can only grow: medium first, then small is refused with the reason.
            #expect(try await client.json(.patch, "/stores/\(id)", ["plan": "medium"]).status == 202)
            _ = try await app.event("store.changed.v1", of: id)
            _ = try await Self.settled(client, id)
            let shrink = try await client.json(.patch, "/stores/\(id)", ["plan": "small"])
            #expect(shrink.status == 422)
            #expect((shrink.body["errors"] as? [[String: Any]])?.first?["message"] as? String
                == "cannot go from medium to small: a plan's volumes can grow, never shrink")
            let text = try await client.executeRequest(
                uri: "/stores/\(id)", method: .patch, headers: [.contentType: "text/plain"], body: ByteBuffer(string: "plan=large"))
            #expect(text.status == .unsupportedMediaType)
            #expect(try await client.json(.patch, "/stores/00000000-0000-4000-8000-000000000000", ["plan": "large"]).status == 404)
            let after = try await app.types(of: id)
            #expect(after.count == before.count + 8, "only the one accepted change was appended")
        }
    }

    @Test func oneOperationAtATimeAndARepeatWithTheSameKeyIsTheSameOperation() async throws {
        // Each simulated step takes a while, so the first operation is still running.
        let app = InMemoryApp(simulation: .init(latency: .milliseconds(150)))
        try await app.run { client in
            let id = try await Self.readyStore(app, client, domain: "busy.example.com")
            let key: HTTPFields = [HTTPField.Name("Idempotency-Key")!: "resize-1"]
            let first = try await client.json(.patch, "/stores/\(id)", ["plan": "large"], headers: key)
            #expect(first.status == 202)
            let operation = try #require((first.body["operation"] as? [String: Any])?["id"] as? String)
            let again = try await client.json(.patch, "/stores/\(id)", ["plan": "large"], headers: key)
            #expect(again.status == 200, "\(again.body)")
            #expect(again.body["replayed"] as? Bool == true)
            #expect((again.body["operation"] as? [String: Any])?["id"] as? String == operation)
            let reused = try await client.json(.patch, "/stores/\(id)", ["plan": "medium"], headers: key)
            #expect(reused.status == 409)
            #expect(reused.body["type"] as? String == "https://urumi.dev/problems/idempotency-key-reused")
            let busy = try await client.json(.post, "/stores/\(id)/suspend")
            #expect(busy.status == 409)
            #expect(busy.body["type"] as? String == "https://urumi.dev/problems/operation-running")
            #expect(busy.body["operation"] as? String == operation)
            #expect(busy.body["operationKind"] as? String == "update")
            #expect(try await app.types(of: id).filter { $0 == "store.change-requested.v1" }.count == 1)
            _ = try await app.event("store.changed.v1", of: id)
            _ = try await Self.settled(client, id)
            // Finished: the same key still answers with that operation, not a new one.
            let later = try await client.json(.patch, "/stores/\(id)", ["plan": "large"], headers: key)
            #expect(later.status == 200)
            #expect(later.body["replayed"] as? Bool == true)
            #expect(later.body["operation"] == nil, "no operation runs now")
            let finished = try #require(later.body["finished"] as? [String: Any], "\(later.body)")
            #expect(finished["id"] as? String == operation)
            #expect(finished["outcome"] as? String == "succeeded")
        }
    }

    @Test func deletionProtectionIsSetAtOnceAndRefusesDelete() async throws {
        let app = InMemoryApp()
        try await app.run { client in
            let id = try await Self.readyStore(app, client, domain: "protected.example.com")
            let on = try await client.json(.patch, "/stores/\(id)", ["deletionProtection": true])
            #expect(on.status == 200, "no operation: \(on.body)")
            #expect((on.body["store"] as? [String: Any])?["deletionProtection"] as? Bool == true)
            let refused = try await client.json(.delete, "/stores/\(id)")
            #expect(refused.status == 409)
            #expect((refused.body["detail"] as? String)?.contains("deletion protection") == true)
            #expect(try await client.json(.patch, "/stores/\(id)", ["deletionProtection": "yes"]).status == 422)
            // Off, with a plan change in the same request: the change runs as an operation.
            let both = try await client.json(.patch, "/stores/\(id)", ["deletionProtection": false, "plan": "medium"])
            #expect(both.status == 202, "\(both.body)")
            _ = try await app.event("store.changed.v1", of: id)
            _ = try await Self.settled(client, id)
            #expect(try await client.json(.delete, "/stores/\(id)").status == 202)
            #expect(try await app.types(of: id).filter { $0 == "store.deletion-protection-changed.v1" }.count == 2)
        }
    }

    @Test func suspendResumeAndDomainsWithTheirClaims() async throws {
        let app = InMemoryApp()
        try await app.run { client in
            let id = try await Self.readyStore(app, client, domain: "main.example.com")
            let other = try await Self.readyStore(app, client, domain: "other.example.com")
            let add = try await client.json(.post, "/stores/\(id)/domains", ["domain": "WWW.Main.example.com"])
            #expect(add.status == 202, "\(add.body)")
            _ = try await app.event("store.changed.v1", of: id)
            var store = try await Self.settled(client, id)
            #expect(store["extraDomains"] as? [String] == ["www.main.example.com"])
            // The claim is the log's: another store cannot take the host name, nor a new store.
            let taken = try await client.json(.post, "/stores/\(other)/domains", ["domain": "www.main.example.com"])
            #expect(taken.status == 409)
            #expect(taken.body["type"] as? String == "https://urumi.dev/problems/domain-in-use")
            let created = try await client.json(
                .post, "/stores", ["name": "S", "domain": "www.main.example.com", "adminEmail": "a@example.com", "plan": "small"])
            #expect(created.status == 409)
            #expect(try await client.json(.post, "/stores/\(id)/domains", ["domain": "not a host"]).status == 422)
            #expect(try await client.json(.delete, "/stores/\(id)/domains/nope.example.com").status == 404)

            #expect(try await client.json(.post, "/stores/\(id)/resume").status == 409, "a ready store is not suspended")
            #expect(try await client.json(.post, "/stores/\(id)/suspend").status == 202)
            _ = try await app.event("store.suspended.v1", of: id)
            store = try await Self.settled(client, id)
            #expect(store["status"] as? String == "suspended")
            let refused = try await client.json(.patch, "/stores/\(id)", ["plan": "large"])
            #expect(refused.status == 409)
            #expect(refused.body["detail"] as? String == "store is suspended; resume it first")
            #expect(try await client.json(.post, "/stores/\(id)/resume").status == 202)
            _ = try await app.event("store.resumed.v1", of: id)
            #expect(try await Self.settled(client, id)["status"] as? String == "ready")

            let finished = (try await Self.settled(client, id)["operations"] as? [Any])?.count ?? 0
            #expect(try await client.json(.delete, "/stores/\(id)/domains/www.main.example.com").status == 202)
            try await waitFor {
                (try await client.json(.get, "/stores/\(id)").body["operations"] as? [Any])?.count == finished + 1
            }
            store = try await Self.settled(client, id)
            #expect(store["extraDomains"] as? [String] == [])
            let reclaimed = try await client.json(.post, "/stores/\(other)/domains", ["domain": "www.main.example.com"])
            #expect(reclaimed.status == 202, "the removed domain's claim was released: \(reclaimed.body)")
        }
    }
}

/// Polls `condition` (10 ms apart, at most 2 s).
func waitFor(_ condition: () async throws -> Bool, sourceLocation: SourceLocation = #_sourceLocation) async throws {
    for _ in 0..<200 {
        if try await condition() { return }
        try await Task.sleep(for: .milliseconds(10))
    }
    Issue.record("the condition did not hold within 2 s", sourceLocation: sourceLocation)
}
