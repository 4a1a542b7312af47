import Foundation
import Testing

/// `urumi events check`: every event of a real log decoded into today's shape; an event this
/// version cannot read is named (exit 1), an unknown type is counted, not an error.
@Suite("urumi events check", .timeLimit(.minutes(2)))
struct EventCheckTests {
    @Test func aLogThatDecodesPassesAndAnUndecodableEventIsNamed() async throws {
        try await ServerDatabase.with { database in
            try await InProcessServer.run(databaseURL: database.url, arguments: ["--sim-latency", "10ms"]) { server in
                let client = HTTPClient(base: server.baseURL)
                let id = try await client.createdStoreID(domain: "check.example.com")
                _ = try await client.waitForStatus(id, "ready")
                #expect(try await client.request("POST", "/stores/\(id)/suspend").status == 202)
                _ = try await client.waitForStatus(id, "suspended")
            }
            let db = ["--database-url", database.url]
            let clean = try await runUrumi(["events", "check", "--json"] + db)
            #expect(clean.status == 0, "\(clean.stderr)")
            let report = try JSONSerialization.jsonObject(with: Data(clean.stdout.utf8)) as? [String: Any]
            let byType = report?["byType"] as? [String: Int] ?? [:]
            #expect(byType["store.requested.v2"] == 1)
            #expect(byType["store.suspended.v1"] == 1)
            #expect((report?["undecodable"] as? [Any])?.isEmpty == true)

            // An event written by some other version in a shape this one cannot read, and a type
            // it does not know (written straight into the table, as an old release would have).
            try await database.pool.query(
                """
                insert into events (event_id, stream_id, stream_version, type, data, metadata) values
                (gen_random_uuid(), 'store-00000000-0000-4000-8000-0000000000aa', 1, 'store.ready.v1', '{"urls": 5}', '{"actor":"system"}'),
                (gen_random_uuid(), 'legacy-1', 1, 'legacy.thing.v1', '{}', '{"actor":"system"}')
                """)
            let broken = try await runUrumi(["events", "check", "--batch", "2"] + db)
            #expect(broken.status == 1)
            #expect(broken.stdout.contains("UNDECODABLE"), "\(broken.stdout)")
            #expect(broken.stdout.contains("store-00000000-0000-4000-8000-0000000000aa@1 store.ready.v1"), "\(broken.stdout)")
            #expect(broken.stdout.contains("unknown type legacy.thing.v1: 1"), "\(broken.stdout)")
        }
    }
}
