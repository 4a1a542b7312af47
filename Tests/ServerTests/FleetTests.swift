import Foundation
import Testing

/// The fleet over real HTTP and PostgreSQL on the simulated cluster: the order canary and the
/// health it gives, counts, and rollouts (waves, halting, rollback of exactly the failed wave,
/// dry runs, deletions).
@Suite("Fleet", .timeLimit(.minutes(6)))
struct FleetTests {
    /// Creates `count` stores, 16 at a time, and waits until all are ready.
    static func readyStores(_ client: HTTPClient, _ count: Int, prefix: String) async throws -> [String] {
        var ids: [String] = []
        try await withThrowingTaskGroup(of: String.self) { group in
            var next = 0
            func add() {
                guard next < count else { return }
                let index = next
                next += 1
                group.addTask { try await client.createdStoreID(domain: "\(prefix)\(index).example.com") }
            }
            for _ in 0..<16 { add() }
            while let id = try await group.next() {
                ids.append(id)
                add()
            }
        }
        let wanted = Set(ids)
        _ = try await client.waitForStores(timeout: .seconds(180)) { stores in
            stores.filter { wanted.contains($0["id"] as? String ?? "") && $0["status"] as? String == "ready" }.count == count
        }
        return ids
    }

    static func waitForRollout(_ client: HTTPClient, _ id: String, timeout: Duration = .seconds(180)) async throws -> [String: Any] {
        let deadline = ContinuousClock.now + timeout
        while true {
            let body = expectJSON(try await client.get("/rollouts/\(id)"), 200)
            if ["succeeded", "halted", "aborted"].contains(body["status"] as? String ?? "") { return body }
            if ContinuousClock.now > deadline { throw ProcessFailure.failed("rollout \(id) did not end: \(body["status"] ?? "?")") }
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    static func applied(_ store: [String: Any]) -> [String: Any] { store["applied"] as? [String: Any] ?? [:] }

    /// Every store of the list once none is still `updating`. The rollout learns that its
    /// stores' operations ended from their streams; the list is a read model that may trail
    /// it by a moment (seconds on a loaded machine).
    static func settledStores(_ client: HTTPClient, timeout: Duration = .seconds(60)) async throws -> [[String: Any]] {
        let deadline = ContinuousClock.now + timeout
        while true {
            let stores = try await client.allStores()
            if !stores.contains(where: { $0["status"] as? String == "updating" }) || ContinuousClock.now > deadline {
                return stores
            }
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    @Test func aDegradedStoreShowsInItsViewTheListTheCountsAndTheMetrics() async throws {
        try await ServerDatabase.with { database in
            try await InProcessServer.run(
                databaseURL: database.url,
                arguments: ["--sim-latency", "0", "--health-interval", "0", "--degraded-after", "2", "--sim-fail", "canary=1"]
            ) { server in
                let client = HTTPClient(base: server.baseURL)
                let ids = try await Self.readyStores(client, 2, prefix: "health")
                let sick = ids[0]
                let first = expectJSON(try await client.post("/stores/\(sick)/health-checks", json: [:]), 201)
                #expect(first["outcome"] as? String == "failed")
                #expect(first["failedStep"] as? String == "checkout")
                #expect(first["consecutiveFailures"] as? Int == 1)
                #expect(first["degraded"] as? Bool == false)
                var store = try await client.waitForStore(sick) { ($0["health"] as? [String: Any])?["state"] as? String == "failing" }
                let second = expectJSON(try await client.post("/stores/\(sick)/health-checks", json: [:]), 201)
                #expect(second["consecutiveFailures"] as? Int == 2)
                #expect(second["degraded"] as? Bool == true)
                store = try await client.waitForStore(sick) { ($0["health"] as? [String: Any])?["state"] as? String == "degraded" }
                let health = try #require(store["health"] as? [String: Any])
                #expect(health["consecutiveFailures"] as? Int == 2)
                #expect(health["lastOutcome"] as? String == "failed")
                let listed = expectJSON(try await client.get("/stores?health=degraded"), 200)["items"] as? [[String: Any]] ?? []
                #expect(listed.map { $0["id"] as? String } == [sick])
                let unknown = expectJSON(try await client.get("/stores?health=unknown"), 200)["items"] as? [[String: Any]] ?? []
                #expect(unknown.map { $0["id"] as? String } == [ids[1]])
                expectProblem(try await client.get("/stores?health=poorly"), 400, "bad-parameter")
                let counts = expectJSON(try await client.get("/stores/counts"), 200)
                #expect(counts["total"] as? Int == 2)
                #expect((counts["byHealth"] as? [String: Any])?["degraded"] as? Int == 1)
                #expect((counts["byStatus"] as? [String: Any])?["ready"] as? Int == 2)
                #expect((counts["byPlan"] as? [String: Any])?["small"] as? Int == 2)
                let metrics = try await client.get("/metrics").text
                #expect(metrics.contains("urumi_stores_by_health{health=\"degraded\"} 1"))
                #expect(metrics.contains("urumi_stores_degraded 1"))
                // The log holds each check.
                let checks = try await database.eventData(ofStore: sick, type: "store.health-checked.v1")
                #expect(checks.map { $0["consecutiveFailures"] as? Int } == [1, 2])
            }
        }
    }

    @Test func aStoreUnderAnOperationIsNotChecked() async throws {
        try await ServerDatabase.with { database in
            try await InProcessServer.run(
                databaseURL: database.url, arguments: ["--sim-latency", "300ms", "--health-interval", "0"]
            ) { server in
                let client = HTTPClient(base: server.baseURL)
                let id = try await client.createdStoreID(domain: "busy.example.com")
                expectProblem(try await client.post("/stores/\(id)/health-checks", json: [:]), 409, "conflict")
                try await client.waitForStatus(id, "ready")
                let passed = expectJSON(try await client.post("/stores/\(id)/health-checks", json: [:]), 201)
                #expect(passed["outcome"] as? String == "passed")
                _ = expectJSON(
                    try await client.request("PATCH", "/stores/\(id)", json: ["name": "Renamed"]), 202)
                let refused = expectProblem(try await client.post("/stores/\(id)/health-checks", json: [:]), 409, "conflict")
                #expect((refused["detail"] as? String ?? "").contains("updating"))
            }
        }
    }

    /// 200 stores, about one in twelve of whose shops fail their order canary after the
    /// change: the rollout goes wave by wave (1, 19, 80, 100), halts once more than three stores
    /// failed, rolls back exactly the stores of that wave (all changed), and never touches the
    /// waves after it. The waves before it passed within the limit and keep the change.
    @Test func twoHundredStoresHaltAtTheThresholdAndRollBackExactlyTheFailedWave() async throws {
        try await ServerDatabase.with { database in
            try await InProcessServer.run(
                databaseURL: database.url,
                arguments: [
                    "--sim-latency", "0", "--health-interval", "0", "--sim-seed", "11", "--sim-fail", "canary=0.08",
                    "--db-pool-size", "8",
                ]
            ) { server in
                let client = HTTPClient(base: server.baseURL)
                let ids = try await Self.readyStores(client, 200, prefix: "fleet")
                let dry = expectJSON(
                    try await client.post(
                        "/rollouts?dry_run=true", json: ["change": ["wordpressVersion": "7.2.0"], "selector": ["plan": "small"]]),
                    200)
                #expect(dry["waves"] as? [Int] == [1, 19, 80, 100])
                let planned = dry["stores"] as? [[String: Any]] ?? []
                #expect(planned.count == 200)
                #expect(
                    planned.allSatisfy { ($0["changes"] as? [String: [String]])?["wordpressVersion"] == ["7.1.0", "7.2.0"] })
                #expect((expectJSON(try await client.get("/rollouts"), 200)["items"] as? [Any] ?? [1]).isEmpty, "a dry run records nothing")

                let created = expectJSON(
                    try await client.post(
                        "/rollouts",
                        json: [
                            "change": ["wordpressVersion": "7.2.0"], "selector": ["status": "ready"],
                            "waves": [1, "10%", "50%", "100%"], "maxFailures": 3,
                        ]), 202)
                let rolloutID = try #require(created["id"] as? String)
                let rollout = try await Self.waitForRollout(client, rolloutID)
                #expect(rollout["status"] as? String == "halted")
                let failures = try #require(rollout["failures"] as? Int)
                #expect(failures > 3)
                let waves = try #require(rollout["waves"] as? [[String: Any]])
                let halted = try #require(waves.firstIndex { ["rolled-back", "failed"].contains($0["status"] as? String ?? "") })
                #expect(waves[halted]["status"] as? String == "rolled-back")
                #expect(waves[..<halted].allSatisfy { $0["status"] as? String == "passed" })
                #expect(waves[(halted + 1)...].allSatisfy { $0["status"] as? String == "pending" })
                let failedBefore = waves[..<halted].reduce(0) { $0 + ($1["failed"] as? Int ?? 0) }
                #expect(failedBefore <= 3, "the waves before the halt stayed within the limit")

                let members = try #require(rollout["stores"] as? [[String: Any]])
                #expect(Set(members.compactMap { $0["store"] as? String }) == Set(ids))
                let stores = Dictionary(uniqueKeysWithValues: try await Self.settledStores(client).map { ($0["id"] as! String, $0) })
                var rolledBack = 0
                for member in members {
                    let id = member["store"] as! String
                    let wave = member["wave"] as! Int
                    let phase = member["phase"] as! String
                    let store = try #require(stores[id])
                    let version = Self.applied(store)["wordpressVersion"] as? String
                    #expect(store["status"] as? String == "ready", "\(id) \(phase)")
                    if wave < halted {
                        // Passed waves keep the change, the stores whose canary failed too (within the limit).
                        #expect(["succeeded", "failed"].contains(phase))
                        #expect(version == "7.2.0", "\(id) in wave \(wave) is \(phase)")
                        if phase == "failed" { #expect(member["canary"] as? String == "failed") }
                    } else if wave == halted {
                        #expect(phase == "rolled-back", "\(id) in the halted wave is \(phase)")
                        if phase == "rolled-back" { rolledBack += 1 }
                        #expect(version == nil, "\(id) in the halted wave runs \(version ?? "-")")
                        let outcomes = (store["operations"] as? [[String: Any]] ?? []).map { $0["outcome"] as? String }
                        #expect(outcomes == ["succeeded", "succeeded"], "the change, then its inverse")
                    } else {
                        #expect(phase == "pending")
                        #expect(version == nil)
                        #expect((store["operations"] as? [Any] ?? []).isEmpty, "\(id) after the halt was never touched")
                    }
                }
                #expect(rolledBack == waves[halted]["size"] as! Int)
                // The rollout's stream tells the same story.
                let types = try await database.eventTypes(ofStream: "rollout-\(rolloutID)")
                #expect(types.first == "rollout.requested.v1")
                #expect(types.filter { $0 == "rollout.wave-started.v1" }.count == halted + 1)
                #expect(types.suffix(4) == ["rollout.halted.v1", "rollout.rollback-started.v1", "rollout.rollback-finished.v1", "rollout.completed.v1"])
            }
        }
    }

    @Test func aFailedCanaryAfterAGoodChangeFailsTheWaveAndRollsTheStoreBack() async throws {
        try await ServerDatabase.with { database in
            try await InProcessServer.run(
                databaseURL: database.url, arguments: ["--sim-latency", "0", "--health-interval", "0", "--sim-fail", "canary=1"]
            ) { server in
                let client = HTTPClient(base: server.baseURL)
                let ids = try await Self.readyStores(client, 4, prefix: "canary")
                let created = expectJSON(
                    try await client.post(
                        "/rollouts", json: ["change": ["plan": "medium"], "selector": ["ids": ids], "waves": [1, "100%"]]), 202)
                let rollout = try await Self.waitForRollout(client, try #require(created["id"] as? String))
                #expect(rollout["status"] as? String == "halted")
                let members = try #require(rollout["stores"] as? [[String: Any]])
                #expect(members.map { $0["phase"] as? String } == ["rolled-back", "pending", "pending", "pending"])
                #expect(members[0]["canary"] as? String == "failed")
                let first = expectJSON(try await client.get("/stores/\(ids[0])"), 200)
                #expect(Self.applied(first)["plan"] as? String == "small", "the plan went back (a rollback may shrink it)")
                let operations = first["operations"] as? [[String: Any]] ?? []
                #expect(operations.map { $0["outcome"] as? String } == ["succeeded", "succeeded"], "the change, then its inverse")
            }
        }
    }

    @Test func deletingManyStoresIsARolloutAndPauseResumeAbortAnswer() async throws {
        try await ServerDatabase.with { database in
            try await InProcessServer.run(
                databaseURL: database.url, arguments: ["--sim-latency", "0", "--health-interval", "0"]
            ) { server in
                let client = HTTPClient(base: server.baseURL)
                let ids = try await Self.readyStores(client, 6, prefix: "gone")
                expectProblem(try await client.post("/rollouts", json: ["action": "delete"]), 422, "validation")
                // Paused before its second wave (a long pause between waves gives the time to ask).
                let created = expectJSON(
                    try await client.post(
                        "/rollouts",
                        json: ["action": "delete", "selector": ["ids": Array(ids.prefix(5))], "waves": [2, "100%"], "pauseBetween": "1h"]),
                    202)
                let id = try #require(created["id"] as? String)
                let paused = expectJSON(try await client.post("/rollouts/\(id)/pause", json: [:]), 200)
                #expect(paused["status"] as? String == "paused")
                let resumed = expectJSON(try await client.post("/rollouts/\(id)/resume", json: [:]), 200)
                #expect(resumed["status"] as? String == "running")
                // The first wave deletes two stores; the pause between waves holds the rest.
                for gone in ids.prefix(2) { try await client.waitForStatus(gone, "deleted") }
                let aborted = expectJSON(try await client.post("/rollouts/\(id)/abort", json: [:]), 200)
                #expect(aborted["abortRequested"] as? Bool == true)
                let ended = try await Self.waitForRollout(client, id)
                #expect(ended["status"] as? String == "aborted")
                for kept in ids.suffix(4) {
                    #expect(expectJSON(try await client.get("/stores/\(kept)"), 200)["status"] as? String == "ready")
                }
                expectProblem(try await client.post("/rollouts/\(id)/resume", json: [:]), 409, "conflict")
                expectProblem(try await client.get("/rollouts/\(UUID().uuidString.lowercased())"), 404, "not-found")
                let listed = expectJSON(try await client.get("/rollouts"), 200)["items"] as? [[String: Any]] ?? []
                #expect(listed.map { $0["id"] as? String } == [id])
            }
        }
    }
}

extension ServerDatabase {
    /// The event types of any stream, in order.
    func eventTypes(ofStream stream: String) async throws -> [String] {
        let rows = try await pool.query("select type from events where stream_id = \(stream) order by stream_version")
        return try rows.map { try $0.decode(String.self, "type") }
    }
}

/// A rollout across a SIGKILL of `urumi serve`: the restarted server resumes the wave in flight
/// from the rollout's stream, finds the store operations it had started (idempotency keys)
/// instead of starting others, and finishes; every store changed exactly once.
@Suite("Rollout durability", .timeLimit(.minutes(5)))
struct RolloutDurabilityTests {
    @Test func aKilledServerResumesTheWaveInFlightAndChangesEachStoreOnce() async throws {
        try await ServerDatabase.with { database in
            let arguments = ["--sim-latency", "300ms", "--lease-ttl", "2s", "--concurrency", "20", "--health-interval", "0"]
            var server = try await UrumiProcess(databaseURL: database.url, arguments: arguments)
            var client = HTTPClient(base: server.baseURL)
            for index in 0..<12 {
                #expect(try await client.createStore("Wave \(index)", domain: "wave\(index).example.com").status == 202)
            }
            _ = try await client.waitForStores(timeout: .seconds(60)) { stores in
                stores.count == 12 && stores.allSatisfy { $0["status"] as? String == "ready" }
            }
            let created = expectJSON(
                try await client.post("/rollouts", json: ["change": ["plan": "medium"], "waves": [2, "100%"]]), 202)
            let id = try #require(created["id"] as? String)
            // Kill it while the second wave's operations run.
            let deadline = ContinuousClock.now + .seconds(60)
            while true {
                let rollout = expectJSON(try await client.get("/rollouts/\(id)"), 200)
                let running = (rollout["stores"] as? [[String: Any]] ?? []).filter { $0["phase"] as? String == "running" }
                if rollout["currentWave"] as? Int == 1, !running.isEmpty { break }
                if ContinuousClock.now > deadline { throw ProcessFailure.failed("the second wave never started") }
                try await Task.sleep(for: .milliseconds(50))
            }
            server.kill()
            #expect(try await database.count("rollout.completed.v1") == 0, "the kill came before the rollout ended")

            server = try await UrumiProcess(databaseURL: database.url, arguments: arguments)
            defer { server.stop() }
            client = HTTPClient(base: server.baseURL)
            let ended = try await FleetTests.waitForRollout(client, id, timeout: .seconds(120))
            #expect(ended["status"] as? String == "succeeded")
            #expect((ended["stores"] as? [[String: Any]] ?? []).allSatisfy { $0["phase"] as? String == "succeeded" })
            let stores = try await FleetTests.settledStores(client)
            #expect(stores.count == 12)
            for store in stores {
                #expect(store["plan"] as? String == "medium")
                let requested = try await database.eventData(ofStore: store["id"] as! String, type: "store.change-requested.v1")
                #expect(requested.count == 1, "\(store["id"] ?? "?") was asked \(requested.count) times")
            }
            let types = try await database.eventTypes(ofStream: "rollout-\(id)")
            #expect(types.filter { $0 == "rollout.wave-started.v1" }.count == 2)
            #expect(types.filter { $0 == "rollout.wave-finished.v1" }.count == 2)
            #expect(types.last == "rollout.completed.v1")
        }
    }
}
