import Foundation
import Testing

/// `urumi events archive`: the streams of stores deleted before a cutoff go to a gzip'd archive,
/// verified against the log, then leave the live log and its read models; `urumi audit
/// --archive` reads them back.
@Suite("Retention", .timeLimit(.minutes(3)))
struct RetentionTests {
    @Test func aDeletedStoresStreamIsArchivedVerifiedRemovedAndReadBack() async throws {
        try await ServerDatabase.with { database in
            let (gone, kept) = try await InProcessServer.run(databaseURL: database.url, arguments: ["--sim-latency", "10ms"]) { server in
                let client = HTTPClient(base: server.baseURL)
                let gone = try await client.createdStoreID(domain: uniqueDomain("retention-gone"))
                let kept = try await client.createdStoreID(domain: uniqueDomain("retention-kept"))
                _ = try await client.waitForStatus(gone, "ready")
                _ = try await client.waitForStatus(kept, "ready")
                #expect(try await client.request("DELETE", "/stores/\(gone)").status == 202)
                _ = try await client.waitForStatus(gone, "deleted")
                return (gone, kept)
            }
            let db = ["--database-url", database.url]
            func count(_ stream: String) async throws -> Int {
                try await database.pool.query("select count(*) as n from events where stream_id = \(stream)").first!.decode(Int.self, "n")
            }
            let goneEvents = try await count("store-\(gone)")
            let keptEvents = try await count("store-\(kept)")
            #expect(goneEvents > 12)
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("urumi-archive-\(UUID().uuidString.prefix(8))")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: dir) }

            // Deleted a moment ago: not older than 30 days.
            let none = try await runUrumi(["events", "archive", "--deleted-before", "30d", "--to", dir.appendingPathComponent("none.gz").path, "--json"] + db)
            #expect(none.status == 0, "\(none.stderr)")
            #expect(none.stdout.contains(#""streams":0"#))
            // A dry run writes and verifies, and removes nothing.
            let dry = try await runUrumi(["events", "archive", "--deleted-before", "0d", "--to", dir.appendingPathComponent("dry.gz").path, "--dry-run", "--json"] + db)
            #expect(dry.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == #"{"events":\#(goneEvents),"removed":false,"streams":1}"#, "\(dry)")
            #expect(try await count("store-\(gone)") == goneEvents)

            let file = dir.appendingPathComponent("archive.gz")
            let done = try await runUrumi(["events", "archive", "--deleted-before", "0d", "--to", file.path, "--json"] + db)
            #expect(done.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == #"{"events":\#(goneEvents),"removed":true,"streams":1}"#, "\(done)")
            let bytes = try Data(contentsOf: file)
            #expect(bytes.prefix(2) == Data([0x1f, 0x8b]), "gzip")
            #expect(try await count("store-\(gone)") == 0)
            #expect(try await count("store-\(kept)") == keptEvents)
            let rows = try await database.pool.query("select store_id::text as id from store_view order by 1")
            #expect(try rows.map { try $0.decode(String.self, "id") } == [kept])
            let again = try await runUrumi(["events", "archive", "--deleted-before", "0d", "--to", file.path] + db)
            #expect(again.status != 0, "an archive file is never overwritten")

            // Read back for audit, the e-mail opened with the store's key.
            let audit = try await runUrumi(["audit", "--archive", file.path, "--store", gone, "--format", "json", "--limit", "1000"] + db)
            #expect(audit.status == 0, "\(audit.stderr)")
            let page = try JSONSerialization.jsonObject(with: Data(audit.stdout.utf8)) as? [String: Any] ?? [:]
            let items = page["items"] as? [[String: Any]] ?? []
            #expect(items.count == goneEvents)
            #expect(items.first?["type"] as? String == "store.requested.v2")
            #expect((items.first?["data"] as? [String: Any])?["adminEmail"] as? String == "admin@\((items.first?["data"] as? [String: Any])?["domain"] as? String ?? "")")
            #expect(items.last?["type"] as? String == "store.deleted.v1")
            let versions = items.compactMap { $0["version"] as? Int }
            #expect(versions == Array(1...goneEvents))

            // The log without it still reads, and rebuilds into the same list.
            #expect(try await runUrumi(["events", "check"] + db).status == 0)
            #expect(try await runUrumi(["projections", "rebuild", "--online"] + db).status == 0)
            let rebuilt = try await database.pool.query("select store_id::text as id from store_view order by 1")
            #expect(try rebuilt.map { try $0.decode(String.self, "id") } == [kept])

            // Forgotten once archived: the key goes, and the forget is recorded in the live log,
            // alone on the store's stream; a repeat appends nothing; the list does not change.
            let (first, repeated, unknown, shown) = try await InProcessServer.run(databaseURL: database.url) { server in
                let client = HTTPClient(base: server.baseURL)
                let first = try await client.request("POST", "/stores/\(gone)/forget")
                let repeated = try await client.request("POST", "/stores/\(gone)/forget")
                let unknown = try await client.request("POST", "/stores/\(UUID().uuidString.lowercased())/forget")
                return (first, repeated, unknown, try await client.get("/stores/\(gone)"))
            }
            #expect(first.status == 200, "\(first.text)")
            #expect(first.json["archived"] as? Bool == true && first.json["replayed"] as? Bool == false)
            #expect(first.json["position"] is String)
            #expect(repeated.status == 200 && repeated.json["replayed"] as? Bool == true, "\(repeated.text)")
            let cli = try await runUrumi(["stores", "forget", gone, "--json"] + db)
            #expect(cli.status == 0 && cli.stdout.contains(#""archived":true"#) && cli.stdout.contains(#""replayed":true"#), "\(cli)")
            #expect(unknown.status == 404 && shown.status == 404)
            let record = try await database.pool.query(
                "select type, stream_version, metadata->>'actor' as actor from events where stream_id = \("store-\(gone)")")
            #expect(try record.map { try $0.decode(String.self, "type") } == ["store.forgotten.v1"])
            #expect(try record.first?.decode(Int.self, "stream_version") == 1)
            let key = try await database.pool.query(
                "select key is null and destroyed_at is not null as gone from store_keys where store_id = \(gone)::uuid")
            #expect(try key.first?.decode(Bool.self, "gone") == true)
            let erased = try await runUrumi(["audit", "--archive", file.path, "--store", gone, "--format", "json", "--limit", "1"] + db)
            #expect(erased.stdout.contains(#""adminEmail":"[erased]""#), "\(erased.stdout)")
            let audited = try await runUrumi(["audit", "--store", gone, "--format", "json"] + db)
            #expect(audited.stdout.contains("store.forgotten.v1"), "\(audited.stdout)")
            #expect(try await runUrumi(["projections", "rebuild", "--online"] + db).status == 0)
            let after = try await database.pool.query("select store_id::text as id from store_view order by 1")
            #expect(try after.map { try $0.decode(String.self, "id") } == [kept])
        }
    }
}
