import Foundation
import Testing

/// Runs a scenario that handles every kind of secret Urumi generates (store passwords, API
/// tokens, session ids, CSRF tokens), then searches every place they could leak to.
@Suite("Security: secrets stay secret", .timeLimit(.minutes(4)))
struct SecuritySecretScanTests {
    /// A place to search, by name.
    struct Haystack {
        let name: String
        let text: String
    }

    @Test func noGeneratedSecretAppearsInTheLogTheLogsOrAnyAnswer() async throws {
        try await ServerDatabase.with { database in
            // The most verbose logging: a secret must not leak even when an operator debugs.
            let server = try await UrumiProcess(
                databaseURL: database.url, auth: .tokens, arguments: ["--sim-latency", "10ms", "--log-level", "trace"])
            defer { server.stop() }
            let port = server.port
            var secrets: [(name: String, value: String)] = []
            func remember(_ name: String, _ value: String) { secrets.append((name, value)) }

            // Tokens: used, one revoked and then tried again (the failure paths must not log it).
            let admin = try await issueToken(database, name: "scan-admin", role: "admin")
            let viewer = try await issueToken(database, name: "scan-viewer", role: "viewer")
            let gone = try await issueToken(database, name: "scan-gone", role: "admin")
            for (name, token) in [("scan-admin", admin), ("scan-viewer", viewer), ("scan-gone", gone)] {
                remember("token \(name)", token)
                remember("token secret of \(name)", tokenSecret(token))
            }
            #expect(try await Wire.request(port: port, "GET", "/stores", headers: [bearer(gone)]).status == 200)
            try await revokeToken(database, name: "scan-gone")
            #expect(try await Wire.request(port: port, "GET", "/stores", headers: [bearer(gone)]).status == 401)
            #expect(try await signIn(port: port, token: gone).status == 401)
            #expect(try await signIn(port: port, token: String(admin.dropLast()) + (admin.last == "0" ? "1" : "0")).status == 401)

            // Sessions: an admin's (which also changes things) and a viewer's.
            let adminSession = try await signedIn(port: port, token: admin)
            let viewerSession = try await signedIn(port: port, token: viewer)
            for (name, session) in [("admin", adminSession), ("viewer", viewerSession)] {
                remember("\(name) session id", session.id)
                remember("\(name) CSRF token", session.csrf)
            }

            // Stores: created by token and by session, ready, credentials read, some deleted.
            var ids: [String] = []
            for index in 0..<6 {
                let viaSession = index % 2 == 1
                let response = try await Wire.request(
                    port: port, "POST", "/stores",
                    headers: (viaSession
                        ? [adminSession.cookie, ("X-CSRF-Token", adminSession.csrf)] : [bearer(admin)])
                        + [("Content-Type", "application/json")],
                    body: try JSONSerialization.data(withJSONObject: storeBody(domain: uniqueDomain("scan\(index)"))))
                #expect(response.status == 202, "\(response.text)")
                ids.append(try #require(response.json["id"] as? String))
            }
            for id in ids { try await waitForStatus(port: port, token: viewer, id, "ready") }
            var passwords: Set<String> = []
            for (index, id) in ids.enumerated() {
                let response = try await Wire.request(
                    port: port, "GET", "/stores/\(id)/credentials",
                    headers: [index == 0 ? adminSession.cookie : bearer(admin)])
                #expect(response.status == 200, "\(response.text)")
                let password = try #require(response.json["password"] as? String)
                #expect(password.count >= 16)
                passwords.insert(password)
                remember("password of store \(id)", password)
                // A viewer asking gets no password.
                let refused = try await Wire.request(
                    port: port, "GET", "/stores/\(id)/credentials", headers: [bearer(viewer)])
                #expect(refused.status == 403 && !refused.text.contains(password))
            }
            #expect(passwords.count == ids.count, "every store has its own password")
            let doomed = Array(ids.prefix(3))
            for id in doomed {
                #expect(
                    try await Wire.request(port: port, "DELETE", "/stores/\(id)", headers: [bearer(admin)]).status
                        == 202)
            }
            for id in doomed { try await waitForStatus(port: port, token: viewer, id, "deleted") }

            // The hashes of the tokens are stored (that is how tokens are checked), and never shown.
            let hashRows = try await database.pool.query(
                "select data->>'hash' as hash from events where type = 'token.created.v1'")
            let hashes = try hashRows.map { try $0.decode(String.self, "hash") }
            #expect(hashes.count == 3 && hashes.allSatisfy { $0.count == 64 })
            // The session ids are stored hashed only.
            let sessionRows = try await database.pool.query(
                "select id_hash || ' ' || token_name || ' ' || csrf as row from sessions")
            let sessionTable = try sessionRows.map { try $0.decode(String.self, "row") }.joined(separator: "\n")
            #expect(!sessionTable.contains(adminSession.id) && !sessionTable.contains(viewerSession.id))

            // Every place a secret could end up.
            var haystacks: [Haystack] = []
            let eventRows = try await database.pool.query(
                "select data::text || ' ' || metadata::text || ' ' || type || ' ' || stream_id as row from events")
            haystacks.append(
                .init(
                    name: "the events table",
                    text: try eventRows.map { try $0.decode(String.self, "row") }.joined(separator: "\n")))
            for (name, token) in [("admin", admin), ("viewer", viewer)] {
                let list = try await Wire.request(port: port, "GET", "/stores?limit=500", headers: [bearer(token)])
                #expect(list.status == 200)
                haystacks.append(.init(name: "GET /stores as \(name)", text: list.text))
                for id in ids {
                    let store = try await Wire.request(port: port, "GET", "/stores/\(id)", headers: [bearer(token)])
                    haystacks.append(.init(name: "GET /stores/\(id) as \(name)", text: store.text))
                    let events = try await Wire.request(
                        port: port, "GET", "/stores/\(id)/events?limit=1000", headers: [bearer(token)])
                    haystacks.append(.init(name: "GET /stores/\(id)/events as \(name)", text: events.text))
                }
            }
            let auditJSON = try await Wire.request(port: port, "GET", "/audit?limit=1000", headers: [bearer(viewer)])
            let items = try #require(auditJSON.json["items"] as? [[String: Any]])
            #expect(auditJSON.json["next"] is NSNull, "one page holds the whole log")
            haystacks.append(.init(name: "GET /audit", text: auditJSON.text))
            let auditCSV = try await Wire.request(
                port: port, "GET", "/audit?limit=1000&format=csv", headers: [bearer(viewer)])
            #expect(auditCSV.status == 200)
            haystacks.append(.init(name: "GET /audit?format=csv", text: auditCSV.text))
            let lastID = try #require(items.last?["id"] as? String)
            let stream = try await Wire.request(
                port: port, "GET", "/stream?after=0", headers: [viewerSession.cookie], readFor: .seconds(3))
            #expect(stream.status == 200)
            #expect(stream.text.contains("id: \(lastID)\n"), "the stream was read to the end of the log")
            haystacks.append(.init(name: "GET /stream?after=0", text: stream.text))
            for format in ["table", "csv", "json"] {
                let result = try await runUrumi([
                    "audit", "--database-url", database.url, "--limit", "100000", "--format", format,
                ])
                #expect(result.status == 0, "\(result.stderr)")
                haystacks.append(.init(name: "urumi audit --format \(format)", text: result.stdout + result.stderr))
            }
            for flags in [[], ["--json"]] {
                let result = try await runUrumi(["tokens", "list", "--database-url", database.url] + flags)
                #expect(result.status == 0 && result.stdout.contains("scan-gone"), "\(result.stderr)")
                haystacks.append(
                    .init(name: "urumi tokens list \(flags.joined())", text: result.stdout + result.stderr))
            }
            // Last, so the logs hold everything above.
            haystacks.append(.init(name: "the server's stderr", text: server.log))
            haystacks.append(.init(name: "the server's stdout", text: server.stdout))

            // A search that finds nothing because it looks at nothing would prove nothing.
            for haystack in haystacks
            where !haystack.name.hasPrefix("the server's std") && !haystack.name.contains("tokens list") {
                #expect(
                    ids.contains { haystack.text.contains($0) },
                    "\(haystack.name) is empty: \(haystack.text.prefix(200))")
            }
            #expect(server.log.contains("trace") || server.log.contains("debug"), "the log is verbose")

            for haystack in haystacks {
                for secret in secrets where haystack.text.contains(secret.value) {
                    Issue.record("\(secret.name) appears in \(haystack.name)")
                }
            }
            // The hashes: not in any answer, the logs, the token list or `urumi audit` (only the
            // events table holds them).
            for haystack in haystacks where !haystack.name.hasPrefix("the events table") {
                for hash in hashes where haystack.text.contains(hash) {
                    Issue.record("a token hash appears in \(haystack.name)")
                }
            }
            let created = items.filter { $0["type"] as? String == "token.created.v1" }
            #expect(created.count == 3)
            #expect(created.allSatisfy { ($0["data"] as? [String: Any])?["hash"] == nil }, "\(created)")
        }
    }

    private func waitForStatus(port: Int, token: String, _ id: String, _ status: String) async throws {
        let deadline = ContinuousClock.now + .seconds(30)
        while true {
            let response = try await Wire.request(port: port, "GET", "/stores/\(id)", headers: [bearer(token)])
            if response.json["status"] as? String == status { return }
            if ContinuousClock.now > deadline {
                throw ProcessFailure.failed("store \(id) never became \(status): \(response.text)")
            }
            try await Task.sleep(for: .milliseconds(50))
        }
    }
}
