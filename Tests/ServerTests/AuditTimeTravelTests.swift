import Foundation
import Testing

/// `urumi audit --store ID --at T`: the store as it was at T, folded from its stream, the same
/// as `GET /stores/{id}?at=T` at the time of every event of a provisioned and changed store.
@Suite("urumi audit --at", .timeLimit(.minutes(3)))
struct AuditTimeTravelTests {
    @Test func theAuditCommandAnswersTheStoreAsItWasAtTheTimeOfEveryEvent() async throws {
        try await ServerDatabase.with { database in
            try await InProcessServer.run(databaseURL: database.url, arguments: ["--sim-latency", "10ms"]) { server in
                let client = HTTPClient(base: server.baseURL)
                let id = try await client.createdStoreID(domain: uniqueDomain("audit-at"))
                _ = try await client.waitForStatus(id, "ready")
                #expect(try await client.request("PATCH", "/stores/\(id)", json: ["plan": "medium"]).status == 202)
                _ = try await client.waitForStore(id) { $0["status"] as? String == "ready" && $0["plan"] as? String == "medium" }
                let events = try await client.get("/stores/\(id)/events?limit=1000").json["items"] as? [[String: Any]] ?? []
                #expect(events.count >= 15)
                let db = ["--database-url", database.url]
                var plans: [String] = []
                for event in events {
                    let at = try #require(event["recordedAt"] as? String)
                    let api = try await client.get("/stores/\(id)?at=\(at)").json
                    let cli = try await runUrumi(["audit", "--store", id, "--at", at, "--format", "json"] + db)
                    #expect(cli.status == 0, "\(cli.stderr)")
                    let past = try JSONSerialization.jsonObject(with: Data(cli.stdout.utf8)) as? [String: Any] ?? [:]
                    for field in ["status", "plan", "version", "adminEmail", "helmRevision", "updatedAt"] {
                        #expect("\(past[field] ?? "nil")" == "\(api[field] ?? "nil")", "\(field) at \(at)")
                    }
                    plans.append(past["plan"] as? String ?? "?")
                }
                #expect(plans.first == "small" && plans.last == "medium", "\(plans)")
                // As a table, it names the event it stops at; before the store, it says so.
                let first = try #require(events.first?["recordedAt"] as? String)
                let table = try await runUrumi(["audit", "--store", id, "--at", first] + db)
                #expect(table.status == 0)
                #expect(table.stdout.hasPrefix("as of \(first) (version 1, store.requested.v2)"), "\(table.stdout)")
                let before = try await runUrumi(["audit", "--store", id, "--at", "2000-01-01T00:00:00Z"] + db)
                #expect(before.status != 0)
                #expect(before.stderr.contains("did not exist yet"))
                let misused = try await runUrumi(["audit", "--at", first] + db)
                #expect(misused.status != 0)
                #expect(misused.stderr.contains("--at needs --store"))
            }
        }
    }
}
