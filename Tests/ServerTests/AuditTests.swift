import EventStore
import Foundation
import Postgres
import PostgresEvents
import PostgresReadModels
import Testing

/// `GET /audit`, `GET /stores/{id}/events` and `urumi audit` against a known event set; each
/// answer is compared with the `events` table queried directly.
@Suite("Audit", .serialized, .timeLimit(.minutes(5)))
struct AuditTests {
    @Test func eachFilterAnswersExactlyTheMatchingEventsOfTheLog() async throws {
        try await AuditFixture.with { fixture in
            let database = fixture.database
            let all = try await database.log()

            // store (also through /stores/{id}/events)
            for id in [fixture.failed[0], fixture.deleted[0], fixture.secondBatch.last!] {
                let expected = try await database.log(where: "stream_id = $1", ["store-\(id)"])
                let items = try await fixture.audit("store=\(id)")
                #expect(pairs(items) == pairs(expected) && !expected.isEmpty)
                #expect(items.allSatisfy { $0["storeId"] as? String == id && $0["stream"] as? String == "store-\(id)" })
                let events = try await fixture.client.get("/stores/\(id)/events?limit=1000")
                #expect(events.status == 200)
                #expect(pairs(events.json["items"] as? [[String: Any]] ?? []) == pairs(expected))
            }

            // type, and a comma list of types
            let failedEvents = try await fixture.audit("type=store.failed.v1")
            #expect(pairs(failedEvents) == pairs(all.filter { $0.type == "store.failed.v1" }))
            #expect(Set(failedEvents.map { $0["storeId"] as! String }) == Set(fixture.failed))
            let endings = try await fixture.audit("type=store.failed.v1,store.deleted.v1")
            #expect(pairs(endings) == pairs(all.filter { ["store.failed.v1", "store.deleted.v1"].contains($0.type) }))
            #expect(endings.count == fixture.failed.count + fixture.deleted.count)

            // actor: requests carry the (unauthenticated) caller, the saga's events `system`
            let anonymous = try await fixture.audit("actor=anonymous")
            #expect(pairs(anonymous) == pairs(try await database.log(where: "metadata->>'actor' = 'anonymous'")))
            #expect(anonymous.count == 2 * AuditFixture.batchSize + fixture.deleted.count)
            #expect(
                Set(anonymous.map { $0["type"] as! String }) == ["store.requested.v2", "store.deletion-requested.v1"])
            let system = try await fixture.audit("actor=system")
            #expect(pairs(system) == pairs(try await database.log(where: "metadata->>'actor' = 'system'")))
            #expect(anonymous.count + system.count == all.count)
            #expect(try await fixture.audit("actor=nobody").isEmpty)

            // since / until around the split: exactly the second batch, then exactly the first
            let later = try await fixture.audit("since=\(fixture.split)")
            #expect(
                pairs(later) == pairs(try await database.log(where: "recorded_at >= $1::timestamptz", [fixture.split])))
            #expect(Set(later.map { $0["storeId"] as! String }) == Set(fixture.secondBatch))
            #expect(pairs(later) == pairs(all.filter { fixture.secondBatch.map { "store-\($0)" }.contains($0.stream) }))
            let earlier = try await fixture.audit("until=\(fixture.split)")
            #expect(
                pairs(earlier) == pairs(all.filter { fixture.firstBatch.map { "store-\($0)" }.contains($0.stream) }))
            #expect(earlier.count + later.count == all.count)
            #expect(try await fixture.audit("since=\(fixture.split)&until=\(fixture.split)").isEmpty)

            // filters combine
            let combined = try await fixture.audit("type=store.requested.v2&actor=anonymous&since=\(fixture.split)")
            #expect(Set(combined.map { $0["storeId"] as! String }) == Set(fixture.secondBatch))
            #expect(combined.count == AuditFixture.batchSize)

            // unknown stores: 404, whether or not the id is well-formed
            for id in [UUID().uuidString.lowercased(), "not-a-store"] {
                let response = try await fixture.client.get("/stores/\(id)/events")
                #expect(response.status == 404, "\(id)")
                #expect(response.header("Content-Type") == "application/problem+json")
                #expect(response.json["type"] as? String == "https://urumi.dev/problems/not-found")
            }
        }
    }

    @Test func cursorPagesWalkTheFilteredLogExactlyOnce() async throws {
        try await AuditFixture.with { fixture in
            let database = fixture.database
            let target = fixture.failed[0]
            let walks: [(query: String, limit: Int, expected: [LoggedEvent])] = [
                ("format=json", 7, try await database.log()),
                (
                    "actor=system&type=store.step-succeeded.v1", 10,
                    try await database.log(
                        where: "metadata->>'actor' = 'system' and type = 'store.step-succeeded.v1'")
                ),
                ("store=\(target)", 1, try await database.log(where: "stream_id = $1", ["store-\(target)"])),
            ]
            for (query, limit, expected) in walks {
                let (items, pages) = try await fixture.walk(query, limit: limit)
                #expect(pairs(items) == pairs(expected), "\(query)")
                #expect(Set(items.map { $0["id"] as! String }).count == items.count, "\(query): no duplicates")
                #expect(pages.count == expected.count / limit + 1, "\(query): \(pages.count) pages")
                for page in pages.dropLast() {
                    let pageItems = page["items"] as! [[String: Any]]
                    #expect(pageItems.count == limit)
                    #expect(page["next"] as? String == pageItems.last?["id"] as? String)
                }
                #expect(pages.last!["next"] is NSNull, "\(query): next is null at the end")
            }

            // A filter whose size is a multiple of the limit: a full page still says `next`,
            // and the page after it is empty with `next: null`.
            let exact = try await database.log(where: "stream_id = $1", ["store-\(target)"])
            let (items, pages) = try await fixture.walk("store=\(target)", limit: exact.count)
            #expect(pairs(items) == pairs(exact))
            #expect(pages.count == 2 && (pages[1]["items"] as! [Any]).isEmpty && pages[1]["next"] is NSNull)
        }
    }

    @Test func csvIsRFC4180WithTheJSONDataColumnQuoted() async throws {
        try await AuditFixture.with { fixture in
            let query = "type=store.requested.v2,store.failed.v1"
            let json = try await fixture.audit(query)
            let response = try await fixture.client.get("/audit?\(query)&format=csv&limit=1000")
            #expect(response.status == 200)
            #expect(response.header("Content-Type") == "text/csv; charset=utf-8")
            #expect(response.header("Urumi-Next-Cursor") == nil)
            let (records, bareLineFeeds) = parseCSV(response.text)
            #expect(bareLineFeeds == 0, "records end with CRLF")
            #expect(response.text.hasSuffix("\r\n"))
            let header = "id,recorded_at,store_id,stream,version,type,actor,correlation_id,causation_id,request_id,data"
            #expect(records.first == header.split(separator: ",").map(String.init))
            #expect(records.count == json.count + 1)
            #expect(records.dropFirst().allSatisfy { $0.count == 11 })
            for (record, item) in zip(records.dropFirst(), json) {
                #expect(record[0] == item["id"] as? String)
                #expect(record[1] == item["recordedAt"] as? String)
                #expect(record[2] == item["storeId"] as? String)
                #expect(record[3] == item["stream"] as? String)
                #expect(record[4] == "\(item["version"] as! Int)")
                #expect(record[5] == item["type"] as? String)
                #expect(record[6] == item["actor"] as? String)
                #expect(record[7] == (item["correlationId"] as? String ?? ""))
                #expect(record[9] == (item["requestId"] as? String ?? ""))
                #expect(sameJSON(try JSONSerialization.jsonObject(with: Data(record[10].utf8)), item["data"]))
            }
            // The data column holds commas and quotes, so it is quoted with its quotes doubled.
            let firstLine = response.text.components(separatedBy: "\r\n")[1]
            #expect(firstLine.hasSuffix("\"") && firstLine.contains(",\"{\"\""), "\(firstLine)")

            // A page that is full names the next cursor in a header.
            let page = try await fixture.client.get("/audit?\(query)&format=csv&limit=5")
            let pageRecords = parseCSV(page.text).records
            #expect(pageRecords.count == 6)
            #expect(page.header("Urumi-Next-Cursor") == pageRecords.last?[0])
            #expect(page.header("Urumi-Next-Cursor") == json[4]["id"] as? String)
        }
    }

    @Test func invalidAuditParametersAreRejectedNamingTheField() async throws {
        try await ServerDatabase.with { database in
            try await InProcessServer.run(databaseURL: database.url) { server in
                let client = HTTPClient(base: server.baseURL)
                let cases: [(query: String, field: String)] = [
                    ("store=nope", "store"),
                    ("type=", "type"),
                    ("type=store.ready.v1,,store.failed.v1", "type"),
                    ("type=" + String(repeating: "t", count: 101), "type"),
                    ("type=store.ready.v1,store.redy.v1", "type"),
                    ("actor=", "actor"),
                    ("actor=" + String(repeating: "a", count: 201), "actor"),
                    ("since=yesterday", "since"),
                    ("until=2026-13-45T00:00:00Z", "until"),
                    ("after=abc", "after"),
                    ("after=1-", "after"),
                    ("limit=0", "limit"),
                    ("limit=1001", "limit"),
                    ("limit=ten", "limit"),
                    ("format=xml", "format"),
                ]
                let unknown = try await client.get("/audit?type=store.redy.v1")
                let detail = unknown.json["detail"] as? String ?? ""
                #expect(detail.contains("store.redy.v1") && detail.contains("known: store.requested.v2"), "\(unknown.text)")
                for (query, field) in cases {
                    let response = try await client.get("/audit?\(query)")
                    #expect(response.status == 400, "\(query)")
                    #expect(response.header("Content-Type") == "application/problem+json", "\(query)")
                    #expect(response.json["type"] as? String == "https://urumi.dev/problems/bad-parameter", "\(query)")
                    let errors = response.json["errors"] as? [[String: Any]] ?? []
                    #expect(errors.map { $0["field"] as? String } == [field], "\(query): \(response.text)")
                }
                // The same checks guard a store's events.
                let id = try await client.createStores("bad", count: 1)[0]
                let response = try await client.get("/stores/\(id)/events?limit=0")
                #expect(response.status == 400)
                #expect((response.json["errors"] as? [[String: Any]])?.first?["field"] as? String == "limit")
            }
        }
    }

    @Test func theAuditCommandAgreesWithTheHTTPAnswer() async throws {
        try await AuditFixture.with { fixture in
            let url = fixture.database.url

            // json
            let types = "store.failed.v1,store.deleted.v1"
            let http = try await fixture.audit("type=\(types)")
            let json = try await runUrumi([
                "audit", "--database-url", url, "--type", types, "--format", "json", "--limit", "1000",
            ])
            #expect(json.status == 0, "\(json.stderr)")
            let refused = try await runUrumi(["audit", "--database-url", url, "--type", "store.redy.v1"])
            #expect(refused.status != 0)
            #expect(refused.stderr.contains("known: store.requested.v2"), "\(refused.stderr)")
            let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as! [String: Any]
            let items = object["items"] as! [[String: Any]]
            #expect(object["next"] is NSNull)
            #expect(pairs(items) == pairs(http) && !http.isEmpty)
            for (cli, api) in zip(items, http) {
                for key in ["recordedAt", "stream", "actor"] {
                    #expect(cli[key] as? String == api[key] as? String, "\(key)")
                }
                #expect(cli["version"] as? Int == api["version"] as? Int)
                #expect(sameJSON(cli["data"], api["data"]))
            }

            // csv, filtered by actor
            let anonymous = try await fixture.audit("actor=anonymous")
            let csv = try await runUrumi([
                "audit", "--database-url", url, "--actor", "anonymous", "--format", "csv", "--limit", "1000",
            ])
            #expect(csv.status == 0, "\(csv.stderr)")
            let records = parseCSV(csv.stdout).records
            // The same columns, and the same bytes, as GET /audit?format=csv.
            let httpCSV = try await fixture.client.get("/audit?actor=anonymous&format=csv&limit=1000")
            #expect(csv.stdout == httpCSV.text)
            #expect(
                records.first == [
                    "id", "recorded_at", "store_id", "stream", "version", "type", "actor", "correlation_id",
                    "causation_id", "request_id", "data",
                ])
            #expect(records.dropFirst().map { "\($0[0]) \($0[5])" } == pairs(anonymous))
            #expect(records.dropFirst().allSatisfy { $0.count == 11 && $0[6] == "anonymous" })
            for (record, item) in zip(records.dropFirst(), anonymous) {
                #expect(sameJSON(try JSONSerialization.jsonObject(with: Data(record[10].utf8)), item["data"]))
            }

            // table, filtered by store
            let store = fixture.failed[0]
            let storeEvents = try await fixture.audit("store=\(store)")
            let table = try await runUrumi(["audit", "--database-url", url, "--store", store, "--format", "table"])
            #expect(table.status == 0, "\(table.stderr)")
            let lines = table.stdout.split(separator: "\n").map(String.init)
            #expect(lines.first?.hasPrefix("CURSOR") == true)
            let rows = lines.dropFirst().map {
                $0.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
            }
            #expect(rows.map { "\($0[0]) \($0[3])" } == pairs(storeEvents))
            #expect(rows.allSatisfy { $0.count == 5 && $0[2] == store })

            // since, and a limit that leaves more
            let later = try await fixture.audit("since=\(fixture.split)")
            let since = try await runUrumi([
                "audit", "--database-url", url, "--since", fixture.split, "--format", "json", "--limit", "1000",
            ])
            let sinceItems = (try JSONSerialization.jsonObject(with: Data(since.stdout.utf8)) as! [String: Any])[
                "items"]
            #expect(pairs(sinceItems as! [[String: Any]]) == pairs(later))
            let first5 = try await runUrumi(["audit", "--database-url", url, "--limit", "5", "--format", "table"])
            let page = try await fixture.client.get("/audit?limit=5").json
            #expect(first5.stdout.hasSuffix("more: --after \(page["next"] as! String)\n"), "\(first5.stdout)")

            // bad input: a one-line reason and a non-zero exit
            let bad = try await runUrumi(["audit", "--database-url", url, "--after", "nope"])
            #expect(bad.status != 0 && bad.stderr.contains("--after"))
        }
    }

    @Test func auditQueriesByTypeActorAndStoreUseTheAuditIndexes() async throws {
        try await ServerDatabase.with { database in
            let migrate = try await runUrumi(["migrate", "--database-url", database.url])
            #expect(migrate.status == 0, "\(migrate.stderr)")
            // 20,000 events over 1,000 streams: 1% failed, 10% ready, the rest step events;
            // actor 'alice' on 0.5%, 'anonymous' on 10%, 'system' on the rest.
            try await database.pool.query(
                """
                insert into events (event_id, stream_id, stream_version, type, data, metadata, recorded_at)
                select gen_random_uuid(),
                       'store-00000000-0000-4000-8000-' || lpad(to_hex(n % 1000), 12, '0'),
                       n / 1000 + 1,
                       case when n % 100 = 0 then 'store.failed.v1' when n % 10 = 0 then 'store.ready.v1'
                            else 'store.step-succeeded.v1' end,
                       jsonb_build_object('n', n),
                       jsonb_build_object('actor', case when n % 200 = 0 then 'alice' when n % 10 = 5 then 'anonymous'
                                                        else 'system' end),
                       now() - (20000 - n) * interval '1 second'
                from generate_series(0, 19999) as n
                """)
            try await database.pool.query("analyze events")

            let stream = try StreamID("store-00000000-0000-4000-8000-00000000002a")
            // The API's first page of each filter. (A store's 20 events are as cheap to sort out of
            // the unique (stream_id, stream_version) index, which the planner may pick instead.)
            let cases: [(filter: AuditFilter, indexes: [String])] = [
                (AuditFilter(types: ["store.failed.v1"]), ["events_audit_by_type"]),
                (AuditFilter(actor: "alice"), ["events_audit_by_actor"]),
                (AuditFilter(stream: stream), ["events_audit_by_stream", "events_stream_version_unique"]),
            ]
            for (filter, indexes) in cases {
                let statement = PostgresEventStore.auditQuery(filter)
                let explain = PostgresQuery(unsafeSQL: "explain (format json) " + statement.sql, binds: statement.binds)
                let plan = try await database.pool.query(explain).first!.decode(String.self, "QUERY PLAN")
                #expect(indexes.contains { plan.contains("\"Index Name\": \"\($0)\"") }, "\(filter): \(plan)")
                #expect(!plan.contains("Seq Scan"), "\(filter): \(plan)")
            }
            // The statement's answers are the ones the indexes promise.
            let store = PostgresEventStore(pool: database.pool, logger: ServerDatabase.logger)
            #expect(try await store.audit(AuditFilter(types: ["store.failed.v1"], limit: 1000)).count == 200)
            #expect(try await store.audit(AuditFilter(actor: "alice", limit: 1000)).count == 100)
            #expect(try await store.audit(AuditFilter(stream: stream, limit: 1000)).count == 20)
        }
    }
}
