import Foundation
import Testing

/// Drift over real HTTP and PostgreSQL on the simulated cluster: an object deleted and a value
/// changed behind Urumi's back (`urumi sim drift`) are found, recorded and corrected by a
/// `reconcile` operation; report-only records and changes nothing; a store mid-operation and
/// a cluster that cannot be read record nothing.
@Suite("Drift", .timeLimit(.minutes(4)))
struct DriftTests {
    /// Makes drift with `urumi sim drift` on the server's database.
    static func inject(_ database: ServerDatabase, _ id: String, _ arguments: [String]) async throws {
        let result = try await runUrumi(["sim", "drift", id, "--database-url", database.url] + arguments)
        #expect(result.status == 0, "sim drift failed: \(result.stderr)")
    }

    /// The objects the simulated release of store `id` has now.
    static func objects(_ database: ServerDatabase, _ id: String) async throws -> Set<String> {
        let rows = try await database.pool.query(
            "select object from sim_release_objects where release = \("store-" + id.prefix(8))")
        return Set(try rows.map { try $0.decode(String.self, "object") })
    }

    /// The values of the simulated release's current revision.
    static func currentValues(_ database: ServerDatabase, _ id: String) async throws -> [String: Any] {
        let rows = try await database.pool.query(
            """
            select values_json from sim_release_revisions where release = \("store-" + id.prefix(8))
            order by revision desc limit 1
            """)
        let text = try rows.first?.decode(String.self, "values_json") ?? "{}"
        return try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] ?? [:]
    }

    static func drift(_ store: [String: Any]) -> [String: Any] { store["drift"] as? [String: Any] ?? [:] }

    static func names(_ check: [String: Any]) -> [String] {
        (check["differences"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
    }

    @Test func aDeletedDeploymentIsFoundRecordedAndComesBack() async throws {
        try await ServerDatabase.with { database in
            try await InProcessServer.run(databaseURL: database.url, arguments: ["--sim-latency", "0", "--drift-interval", "0"]) { server in
                let client = HTTPClient(base: server.baseURL)
                let id = try await client.createdStoreID(domain: "drift-deleted.example.com")
                try await client.waitForStatus(id, "ready")
                let wordpress = "Deployment/store-\(id.prefix(8))-wordpress"
                let clean = expectJSON(try await client.post("/stores/\(id)/drift-checks", json: [:]), 200)
                #expect(clean["drifted"] as? Bool == false, "\(clean)")
                #expect(try await Self.objects(database, id).contains(wordpress))

                try await Self.inject(database, id, ["--delete", "Deployment/wordpress"])
                #expect(try await !Self.objects(database, id).contains(wordpress))
                let found = expectJSON(try await client.post("/stores/\(id)/drift-checks", json: [:]), 201)
                #expect(found["drifted"] as? Bool == true)
                #expect(found["action"] as? String == "corrected")
                #expect(Self.names(found) == [wordpress], "\(found)")
                let operation = try #require(found["operation"] as? String)

                let store = try await client.waitForStore(id) { Self.drift($0)["state"] as? String == "corrected" }
                #expect(store["status"] as? String == "ready")
                #expect(Self.drift(store)["correctedBy"] as? String == operation)
                #expect((store["operations"] as? [[String: Any]])?.last?["kind"] as? String == "reconcile")
                #expect(store["helmRevision"] as? Int == 2, "the re-apply is a new revision, and the log knows it")
                #expect(try await Self.objects(database, id).contains(wordpress), "the Deployment is back")

                // In the log, in order: the finding, the operation it started, its end.
                let types = try await database.eventTypes(ofStore: id)
                let tail = Array(types.drop { $0 != "store.drift-detected.v1" })
                #expect(tail.first == "store.drift-detected.v1")
                #expect(tail.dropFirst().first == "store.change-requested.v1")
                #expect(tail.last == "store.changed.v1")
                let requested = try await database.eventData(ofStore: id, type: "store.change-requested.v1")
                #expect(requested.last?["kind"] as? String == "reconcile")
                let audit = expectJSON(try await client.get("/audit?store=\(id)&type=store.drift-detected.v1"), 200)
                #expect((audit["items"] as? [Any])?.count == 1, "\(audit)")

                let after = expectJSON(try await client.post("/stores/\(id)/drift-checks", json: [:]), 200)
                #expect(after["drifted"] as? Bool == false, "corrected and the log agrees: \(after)")
                let metrics = try await client.get("/metrics").text
                #expect(metrics.contains("urumi_stores_drifted 0"))
            }
        }
    }

    @Test func aValueChangedOutOfBandIsPutBack() async throws {
        try await ServerDatabase.with { database in
            try await InProcessServer.run(databaseURL: database.url, arguments: ["--sim-latency", "0", "--drift-interval", "0"]) { server in
                let client = HTTPClient(base: server.baseURL)
                let id = try await client.createdStoreID(domain: "drift-value.example.com")
                try await client.waitForStatus(id, "ready")
                try await Self.inject(database, id, ["--set", "plan=large"])
                #expect(try await Self.currentValues(database, id)["plan"] as? String == "large")

                let found = expectJSON(try await client.post("/stores/\(id)/drift-checks", json: [:]), 201)
                let differences = found["differences"] as? [[String: Any]] ?? []
                #expect(Self.names(found) == ["revision", "plan"], "\(found)")
                #expect(differences.last?["expected"] as? String == "small")
                #expect(differences.last?["actual"] as? String == "large")
                #expect(differences.first?["expected"] as? String == "1")
                #expect(differences.first?["actual"] as? String == "2")

                let store = try await client.waitForStore(id) { Self.drift($0)["state"] as? String == "corrected" }
                #expect(store["plan"] as? String == "small")
                #expect(store["helmRevision"] as? Int == 3)
                #expect(try await Self.currentValues(database, id)["plan"] as? String == "small")
                let recorded = try await database.eventData(ofStore: id, type: "store.drift-detected.v1")
                #expect(recorded.count == 1)
                #expect(recorded.first?["observedRevision"] as? Int == 2)
            }
        }
    }

    @Test func reportOnlyRecordsTheDriftAndChangesNothingUntilAskedToCorrect() async throws {
        try await ServerDatabase.with { database in
            try await InProcessServer.run(
                databaseURL: database.url, arguments: ["--sim-latency", "0", "--drift-interval", "0", "--drift-action", "report"]
            ) { server in
                let client = HTTPClient(base: server.baseURL)
                let id = try await client.createdStoreID(domain: "drift-report.example.com")
                try await client.waitForStatus(id, "ready")
                let mysql = "StatefulSet/store-\(id.prefix(8))-mysql"
                try await Self.inject(database, id, ["--delete", "StatefulSet/mysql"])

                let found = expectJSON(try await client.post("/stores/\(id)/drift-checks", json: [:]), 201)
                #expect(found["action"] as? String == "reported")
                #expect(found["operation"] == nil || found["operation"] is NSNull)
                let store = try await client.waitForStore(id) { Self.drift($0)["state"] as? String == "reported" }
                #expect(store["status"] as? String == "ready")
                #expect(store["operation"] == nil || store["operation"] is NSNull)
                #expect(try await !Self.objects(database, id).contains(mysql), "nothing was changed")
                #expect(try await database.eventData(ofStore: id, type: "store.change-requested.v1").isEmpty)
                let counts = expectJSON(try await client.get("/stores/counts"), 200)
                #expect(counts["drifted"] as? Int == 1)
                #expect(try await client.get("/metrics").text.contains("urumi_stores_drifted 1"))
                expectProblem(try await client.post("/stores/\(id)/drift-checks?action=fix", json: [:]), 400, "bad-parameter")

                // An operator asks for the correction.
                let corrected = expectJSON(try await client.post("/stores/\(id)/drift-checks?action=correct", json: [:]), 201)
                #expect(corrected["action"] as? String == "corrected")
                try await client.waitForStore(id) { Self.drift($0)["state"] as? String == "corrected" }
                #expect(try await Self.objects(database, id).contains(mysql))
            }
        }
    }

    @Test func aStoreMidOperationIsSkippedAndAnUnreadableClusterRecordsNothing() async throws {
        try await ServerDatabase.with { database in
            try await InProcessServer.run(
                databaseURL: database.url,
                arguments: ["--sim-latency", "300ms", "--drift-interval", "0", "--sim-flaky", "inspect=0.5", "--sim-seed", "3"]
            ) { server in
                let client = HTTPClient(base: server.baseURL)
                let id = try await client.createdStoreID(domain: "drift-busy.example.com")
                expectProblem(try await client.post("/stores/\(id)/drift-checks", json: [:]), 409, "conflict")
                try await client.waitForStatus(id, "ready")
                try await Self.inject(database, id, ["--delete", "Deployment/wordpress"])
                _ = expectJSON(try await client.request("PATCH", "/stores/\(id)", json: ["name": "Renamed"]), 202)
                let refused = expectProblem(try await client.post("/stores/\(id)/drift-checks", json: [:]), 409, "conflict")
                #expect((refused["detail"] as? String ?? "").contains("updating"))
                try await client.waitForStore(id) { ($0["operations"] as? [Any])?.count == 1 }
                // The update re-applied the release: the deleted Deployment came back with it.
                #expect(try await Self.objects(database, id).contains("Deployment/store-\(id.prefix(8))-wordpress"))

                // Half the reads fail: those answer 503 and record nothing; the others find no drift.
                var unavailable = 0
                for _ in 0..<8 {
                    let response = try await client.post("/stores/\(id)/drift-checks", json: [:])
                    if response.status == 503 { unavailable += 1 } else { #expect(expectJSON(response, 200)["drifted"] as? Bool == false) }
                }
                #expect(unavailable > 0)
                #expect(try await database.eventData(ofStore: id, type: "store.drift-detected.v1").isEmpty)
            }
        }
    }

    @Test func theScheduleFindsAndCorrectsDriftOnItsOwn() async throws {
        try await ServerDatabase.with { database in
            try await InProcessServer.run(databaseURL: database.url, arguments: ["--sim-latency", "0", "--drift-interval", "300ms"]) { server in
                let client = HTTPClient(base: server.baseURL)
                let id = try await client.createdStoreID(domain: "drift-schedule.example.com")
                try await client.waitForStatus(id, "ready")
                try await Self.inject(database, id, ["--delete", "Secret/credentials"])
                let store = try await client.waitForStore(id) { Self.drift($0)["state"] as? String == "corrected" }
                #expect(Self.names(Self.drift(store)) == ["Secret/store-\(id.prefix(8))-credentials"])
                #expect(try await Self.objects(database, id).contains("Secret/store-\(id.prefix(8))-credentials"))
                let recorded = try await database.eventData(ofStore: id, type: "store.drift-detected.v1")
                #expect(recorded.count == 1, "found once, corrected, then nothing more to record")
                let metadata = try await database.pool.query(
                    "select metadata->>'actor' as actor from events where stream_id = \("store-" + id) and type = 'store.drift-detected.v1'")
                #expect(try metadata.first?.decode(String.self, "actor") == "system")
            }
        }
    }
}
