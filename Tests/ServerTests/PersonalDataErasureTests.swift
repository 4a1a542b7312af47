import Foundation
import Postgres
import Testing
import TestSupport

/// Crypto-shredding against a real PostgreSQL: the admin e-mail is sealed with the store's key
/// before it reaches the log; `POST /stores/{id}/forget` destroys the key, and from then on the
/// e-mail reads "[erased]" in every answer (store, list, time travel at every version, audit
/// JSON and CSV, SSE from the start of the log, a projection rebuilt afterwards) and no byte of
/// it is left in the database (`pg_dump` of the whole database, scanned).
@Suite("Personal data erasure", .timeLimit(.minutes(3)))
struct PersonalDataErasureTests {
    @Test func aForgottenStoresEmailIsErasedEverywhereAndNoByteOfItIsLeftInTheDatabase() async throws {
        try await ServerDatabase.with { database in
            let domain = uniqueDomain("forget")
            let marker = "erase-me-\(UUID().uuidString.prefix(8).lowercased())"
            let email = "\(marker)@privacy.example.org"
            let id = try await InProcessServer.run(databaseURL: database.url, arguments: ["--sim-latency", "10ms"]) { server in
                let client = HTTPClient(base: server.baseURL)
                let created = try await client.post("/stores", json: storeBody(domain: domain, ["adminEmail": email]))
                let id = try #require(expectJSON(created, 202)["id"] as? String)
                #expect((created.json["store"] as? [String: Any])?["adminEmail"] as? String == email)
                let ready = try await client.waitForStatus(id, "ready")
                #expect(ready["adminEmail"] as? String == email, "the store shows its e-mail while it is not forgotten")

                // The log never held it: the request is v2, its e-mail sealed.
                let logged = try await database.pool.query(
                    """
                    select type, data->'adminEmail'->>'key' as key, data->'adminEmail'->>'sealed' as sealed,
                           (select count(*) from events e where strpos(e.data::text, \(marker)) > 0) as leaks
                    from events where stream_id = \("store-\(id)") and stream_version = 1
                    """)
                let first = try #require(logged.first)
                #expect(try first.decode(String.self, "type") == "store.requested.v2")
                #expect(try first.decode(String?.self, "key") == id)
                #expect(try (first.decode(String?.self, "sealed") ?? "").count > 40)
                #expect(try first.decode(Int.self, "leaks") == 0)
                // The scan can fail: before the forget the read model holds the e-mail.
                #expect(try await pgDump(database.url).contains(marker), "the dump must see the read model's e-mail")

                let forgotten = try await client.post("/stores/\(id)/forget", json: [String: Any]())
                let body = expectJSON(forgotten, 200)
                #expect((body["store"] as? [String: Any])?["adminEmail"] as? String == "[erased]")
                #expect(body["replayed"] as? Bool == false)
                let again = expectJSON(try await client.post("/stores/\(id)/forget", json: [String: Any]()), 200)
                #expect(again["replayed"] as? Bool == true, "a repeat appends nothing")

                let shown = try await client.waitForStore(id) { $0["adminEmail"] as? String == "[erased]" }
                #expect(shown["status"] as? String == "ready", "forgetting changes nothing else")
                let listed = try await client.allStores().first { $0["id"] as? String == id }
                #expect(listed?["adminEmail"] as? String == "[erased]")

                // Time travel at every version of the store reads it erased too.
                let version = try #require(shown["version"] as? Int)
                for at in 1...version {
                    let past = expectJSON(try await client.get("/stores/\(id)?version=\(at)"), 200)
                    #expect(past["adminEmail"] as? String == "[erased]", "version \(at)")
                }

                // The audit, as JSON and as CSV.
                let events = try await client.get("/stores/\(id)/events?limit=1000")
                #expect(!events.text.contains(marker))
                let items = events.json["items"] as? [[String: Any]] ?? []
                let requested = try #require(items.first)
                #expect(requested["type"] as? String == "store.requested.v2")
                #expect((requested["data"] as? [String: Any])?["adminEmail"] as? String == "[erased]")
                let forgetEvents = items.filter { $0["type"] as? String == "store.forgotten.v1" }
                #expect(forgetEvents.count == 1)
                #expect(forgetEvents.first?["data"] as? [String: String] == ["by": "anonymous"])
                let csv = try await client.get("/audit?store=\(id)&format=csv&limit=1000")
                #expect(csv.status == 200)
                #expect(!csv.text.contains(marker))
                #expect(csv.text.contains("[erased]"))

                // SSE from the start of the log.
                let sse = try SSEClient.open(port: server.port, path: "/stream?after=0&store=\(id)")
                defer { sse.close() }
                let streamed = try await sse.waitForEvents(atLeast: items.count)
                #expect(streamed.allSatisfy { !$0.data.contains(marker) })
                let opening = try #require(streamed.first)
                #expect(opening.event == "store.requested.v2")
                #expect((opening.json["data"] as? [String: Any])?["adminEmail"] as? String == "[erased]")
                return id
            }

            // A projection rebuilt later opens nothing: the key is gone.
            let rebuilt = try await runUrumi(["projections", "rebuild", "--database-url", database.url])
            #expect(rebuilt.status == 0, "\(rebuilt.stderr)")
            let rows = try await database.pool.query(
                "select view_text, state::text as state from store_view where store_id = \(UUID(uuidString: id)!)")
            let row = try #require(rows.first)
            #expect(try row.decode(String.self, "view_text").contains(#""adminEmail":"[erased]""#))
            #expect(try !row.decode(String.self, "state").contains(marker))

            let key = try await database.pool.query(
                "select key is null as gone, destroyed_at is not null as stamped from store_keys where store_id = \(UUID(uuidString: id)!)")
            #expect(try key.first?.decode(Bool.self, "gone") == true)
            #expect(try key.first?.decode(Bool.self, "stamped") == true)

            let dump = try await pgDump(database.url)
            #expect(dump.contains("store.forgotten.v1"), "the dump holds the log")
            #expect(!dump.contains(marker), "no byte of the e-mail in the database")
            #expect(!dump.lowercased().contains(email.lowercased()))
        }
    }

    @Test func aStoreRequestedBeforeSealingIsRefusedNamingTheWayOut() async throws {
        try await ServerDatabase.with { database in
            try await InProcessServer.run(databaseURL: database.url, arguments: ["--sim-latency", "10ms"]) { server in
                // An old release's request, with the e-mail in clear (written as it wrote it).
                let id = UUID().uuidString.lowercased()
                try await database.pool.query(
                    """
                    insert into events (event_id, stream_id, stream_version, type, data, metadata)
                    values (gen_random_uuid(), \("store-\(id)"), 1, 'store.requested.v1', \(
                        #"{"storeId":"\#(id)","name":"Old Shop","domain":"old-\#(id.prefix(8)).example.com","adminEmail":"old@example.com","plan":"small","requestedBy":"old"}"#
                    )::jsonb, '{"actor":"old"}'::jsonb)
                    """)
                try await database.pool.query("insert into streams (stream_id, version) values (\("store-\(id)"), 1)")
                let client = HTTPClient(base: server.baseURL)
                let shown = try await client.waitForStore(id) { $0["adminEmail"] as? String == "old@example.com" }
                #expect(shown["status"] as? String == "provisioning", "a v1 request is read (upcast) like today's")
                _ = try await client.waitForStatus(id, "ready")
                let refused = try await client.post("/stores/\(id)/forget", json: [String: Any]())
                let problem = expectProblem(refused, 409, "legacy-personal-data")
                #expect((problem["detail"] as? String)?.contains("urumi events seal-legacy") == true, "\(refused.text)")
                let types = try await database.pool.query(
                    "select count(*) as n from events where stream_id = \("store-\(id)") and type = 'store.forgotten.v1'")
                #expect(try types.first?.decode(Int.self, "n") == 0)

                // The way out: seal the old requests in place (once), then forget.
                let db = ["--database-url", database.url]
                let counted = try await runUrumi(["events", "seal-legacy", "--dry-run", "--json"] + db)
                #expect(counted.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == #"{"inClear":1,"left":1}"#, "\(counted)")
                let sealed = try await runUrumi(["events", "seal-legacy", "--json"] + db)
                #expect(sealed.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == #"{"sealed":1,"left":0}"#, "\(sealed)")
                let again = try await runUrumi(["events", "seal-legacy", "--json"] + db)
                #expect(again.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == #"{"sealed":0,"left":0}"#)
                let first = try await database.pool.query(
                    "select type, data::text as data from events where stream_id = \("store-\(id)") and stream_version = 1")
                #expect(try first.first?.decode(String.self, "type") == "store.requested.v2")
                #expect(try first.first?.decode(String.self, "data").contains("old@example.com") == false)
                #expect(try await client.get("/stores/\(id)?version=1").json["adminEmail"] as? String == "old@example.com")
                let checked = try await runUrumi(["events", "check"] + db)
                #expect(checked.status == 0, "\(checked)")

                expectJSON(try await client.post("/stores/\(id)/forget", json: [String: Any]()), 200)
                _ = try await client.waitForStore(id) { $0["adminEmail"] as? String == "[erased]" }
                #expect(try await !pgDump(database.url).contains("old@example.com"))
            }
        }
    }
}

/// The whole database as `pg_dump` writes it (plain SQL).
func pgDump(_ url: String) async throws -> String {
    try await offPool {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: pgBinary("pg_dump"))
        process.arguments = ["--dbname=\(url)", "--no-owner"]
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        let problem = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw ProcessFailure.failed("pg_dump failed: \(String(decoding: problem, as: UTF8.self))")
        }
        return String(decoding: data, as: UTF8.self)
    }
}

/// A PostgreSQL client program (the newest installed server's, else the one on PATH).
func pgBinary(_ name: String) -> String {
    let root = "/usr/lib/postgresql"
    let versions = ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []).sorted {
        (Int($0) ?? 0) < (Int($1) ?? 0)
    }
    for version in versions.reversed() where FileManager.default.isExecutableFile(atPath: "\(root)/\(version)/bin/\(name)") {
        return "\(root)/\(version)/bin/\(name)"
    }
    return "/usr/bin/\(name)"
}
