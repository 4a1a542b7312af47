import Foundation
import Testing

/// Every event says who caused it: a token's name for what a caller asked, `system` for what
/// the saga did, the issuer for token events.
@Suite("Security: actors", .timeLimit(.minutes(3)))
struct SecurityActorTests {
    /// The events of `/audit?...` (one page of up to 1000).
    private func audit(_ server: any ServerEndpoint, _ query: String, token: String) async throws -> [[String: Any]] {
        let response = try await Wire.request(
            port: server.port, "GET", "/audit?limit=1000&\(query)", headers: [bearer(token)])
        #expect(response.status == 200, "\(response.text)")
        return response.json["items"] as? [[String: Any]] ?? []
    }

    /// `audit` once it holds at least `count` events: the log's readers never read past a
    /// writing transaction still open anywhere on the PostgreSQL server (gap-free reading), so
    /// an append made by another process becomes visible a moment later while other tests
    /// create databases.
    private func audit(_ server: any ServerEndpoint, _ query: String, token: String, atLeast count: Int) async throws
        -> [[String: Any]]
    {
        let deadline = ContinuousClock.now + .seconds(10)
        while true {
            let items = try await audit(server, query, token: token)
            if items.count >= count || ContinuousClock.now > deadline { return items }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    @Test func tokensCreatePrintsOnlyTheTokenOnItsLastLine() async throws {
        try await ServerDatabase.with { database in
            let result = try await runUrumi([
                "tokens", "create", "--database-url", database.url, "--name", "print-check", "--role", "viewer",
            ])
            #expect(result.status == 0, "\(result.stderr)")
            let lines = result.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            // One line of output and its newline: `TOKEN=$(urumi tokens create ...)` gets just it.
            #expect(lines.count == 2 && lines[1].isEmpty, "stdout: \(result.stdout)")
            #expect(isTokenShaped(lines[0], name: "print-check"), "stdout: \(result.stdout)")
            #expect(!result.stderr.contains(tokenSecret(lines[0])), "the token goes to stdout only")
            // Issuing the same name again while it is active is refused, with one line.
            let again = try await runUrumi([
                "tokens", "create", "--database-url", database.url, "--name", "print-check", "--role", "admin",
            ])
            #expect(again.status != 0)
            #expect(again.stdout.isEmpty, "\(again.stdout)")
            #expect(again.stderr.split(separator: "\n").count == 1, "\(again.stderr)")
        }
    }

    @Test func storeEventsRecordTheCallerAndSagaEventsRecordSystem() async throws {
        try await ServerDatabase.with { database in
            try await InProcessServer.run(
                databaseURL: database.url, auth: .tokens, arguments: ["--sim-latency", "10ms"]) { server in
                let alice = try await issueToken(database, name: "alice-admin", role: "admin", by: "ops-bob")
                let victor = try await issueToken(database, name: "victor-viewer", role: "viewer", by: "ops-bob")
                let port = server.port

                let created = try await Wire.request(
                    port: port, "POST", "/stores", headers: [bearer(alice), ("Content-Type", "application/json")],
                    body: try JSONSerialization.data(withJSONObject: storeBody(domain: uniqueDomain("actor"))))
                #expect(created.status == 202, "\(created.text)")
                let id = try #require(created.json["id"] as? String)
                #expect((created.json["store"] as? [String: Any])?["requestedBy"] as? String == "alice-admin")
                var store: [String: Any] = [:]
                let deadline = ContinuousClock.now + .seconds(30)
                while store["status"] as? String != "ready" && ContinuousClock.now < deadline {
                    store = try await Wire.request(port: port, "GET", "/stores/\(id)", headers: [bearer(victor)]).json
                    try await Task.sleep(for: .milliseconds(50))
                }
                #expect(store["status"] as? String == "ready" && store["requestedBy"] as? String == "alice-admin")
                let credentials = try await Wire.request(
                    port: port, "GET", "/stores/\(id)/credentials", headers: [bearer(alice)])
                #expect(credentials.status == 200)
                let deleted = try await Wire.request(port: port, "DELETE", "/stores/\(id)?final_backup=false", headers: [bearer(alice)])
                #expect(deleted.status == 202)
                let gone = ContinuousClock.now + .seconds(30)
                while try await Wire.request(port: port, "GET", "/stores/\(id)", headers: [bearer(victor)]).json["status"]
                    as? String
                    != "deleted" && ContinuousClock.now < gone
                {
                    try await Task.sleep(for: .milliseconds(50))
                }

                // What alice did, and only that, is under her name.
                let byAlice = try await audit(server, "actor=alice-admin", token: victor)
                #expect(
                    byAlice.map { $0["type"] as? String ?? "?" }
                        == ["store.requested.v2", "store.credentials-viewed.v1", "store.deletion-requested.v1"],
                    "\(byAlice.map { $0["type"] ?? "?" })")
                let requested = try #require(byAlice.first)
                #expect((requested["data"] as? [String: Any])?["requestedBy"] as? String == "alice-admin")
                for event in byAlice {
                    #expect(event["storeId"] as? String == id)
                    #expect((event["requestId"] as? String)?.isEmpty == false, "a caller's event names its request")
                    #expect(event["correlationId"] is String)
                }
                #expect(((byAlice[1]["data"] as? [String: Any])?["by"]) as? String == "alice-admin")
                #expect(((byAlice[2]["data"] as? [String: Any])?["by"]) as? String == "alice-admin")
                #expect((byAlice[1]["data"] as? [String: Any])?["password"] == nil)

                // Everything else on the store's stream is the saga's.
                let all = try await Wire.request(
                    port: port, "GET", "/stores/\(id)/events?limit=1000", headers: [bearer(victor)])
                let events = all.json["items"] as? [[String: Any]] ?? []
                let callerTypes: Set<String> = [
                    "store.requested.v2", "store.credentials-viewed.v1", "store.deletion-requested.v1",
                ]
                let saga = events.filter { !callerTypes.contains($0["type"] as? String ?? "") }
                #expect(saga.count >= 10 + 2, "five steps started and succeeded, ready, then the deletion's work")
                for event in saga {
                    #expect(event["actor"] as? String == "system", "\(event["type"] ?? "?") by \(event["actor"] ?? "?")")
                }
                #expect(saga.contains { $0["type"] as? String == "store.ready.v1" })
                #expect(saga.contains { $0["type"] as? String == "store.deleted.v1" })
                // The saga correlates its events by the store's id.
                #expect(
                    saga.allSatisfy { $0["correlationId"] as? String == id }, "\(saga.map { $0["correlationId"] ?? "-" })")

                // A viewer only reads: nothing is recorded under its name.
                #expect(try await audit(server, "actor=victor-viewer", token: alice).isEmpty)
                // Nor as anonymous: with tokens on, nobody acts without a name.
                #expect(try await audit(server, "actor=anonymous", token: alice).isEmpty)
            }
        }
    }

    @Test func issuingAndRevokingTokensAreEventsOfTheirIssuer() async throws {
        try await ServerDatabase.with { database in
            try await InProcessServer.run(
                databaseURL: database.url, auth: .tokens, arguments: ["--sim-latency", "10ms"]) { server in
                let admin = try await issueToken(database, name: "root-admin", role: "admin", by: "ops-bob")
                _ = try await issueToken(database, name: "carol-viewer", role: "viewer", by: "ops-bob")
                try await revokeToken(database, name: "carol-viewer", by: "ops-dave")
                // Without --by, the issuer is the operating-system user.
                var environment = ProcessInfo.processInfo.environment
                environment["USER"] = "erin"
                let plain = try await runUrumi(
                    ["tokens", "create", "--database-url", database.url, "--name", "erin-viewer", "--role", "viewer"],
                    environment: environment)
                #expect(plain.status == 0, "\(plain.stderr)")

                let created = try await audit(server, "type=token.created.v1", token: admin, atLeast: 3)
                let byName = Dictionary(
                    uniqueKeysWithValues: created.map { (($0["data"] as? [String: Any])?["name"] as? String ?? "?", $0) })
                #expect(Set(byName.keys) == ["root-admin", "carol-viewer", "erin-viewer"])
                for (name, event) in byName {
                    let data = event["data"] as? [String: Any] ?? [:]
                    let issuer = name == "erin-viewer" ? "cli:erin" : "ops-bob"
                    #expect(event["actor"] as? String == issuer, "\(name): \(event)")
                    #expect(data["by"] as? String == issuer)
                    #expect(event["stream"] as? String == "token-\(name)")
                    #expect(data["role"] as? String == (name == "root-admin" ? "admin" : "viewer"))
                    #expect(data["hash"] == nil, "the token's hash is not public: \(data)")
                    #expect(Set(data.keys) == ["name", "role", "by"], "\(data.keys)")
                }
                let revoked = try await audit(server, "type=token.revoked.v1", token: admin, atLeast: 1)
                #expect(revoked.count == 1)
                #expect(revoked.first?["actor"] as? String == "ops-dave")
                #expect((revoked.first?["data"] as? [String: Any])?["name"] as? String == "carol-viewer")
                // The same in CSV: no hash column, no hash in the data.
                let csv = try await Wire.request(
                    port: server.port, "GET", "/audit?type=token.created.v1&format=csv", headers: [bearer(admin)])
                #expect(
                    csv.status == 200 && !csv.text.contains("\"hash\"") && !csv.text.contains("\"\"hash\"\""), "\(csv.text)"
                )
                // And in the stored event the hash is there (it is how tokens are checked).
                let stored = try await database.pool.query(
                    "select count(*) as n from events where type = 'token.created.v1' and data ? 'hash'")
                #expect(try stored.first!.decode(Int.self, "n") == 3)
            }
        }
    }
}
