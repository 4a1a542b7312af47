import Foundation
import Testing

/// `--auth none` is for a developer's own machine: refused on the network unless asked for
/// by name, and loud wherever it runs.
@Suite("Security: --auth none", .timeLimit(.minutes(2)))
struct SecurityNoAuthTests {
    static let warning = "AUTHENTICATION IS OFF"

    @Test(arguments: ["0.0.0.0", "::", "192.0.2.1", "127.0.0.2"])
    func noAuthOffLoopbackIsRefusedWithOneLine(host: String) async throws {
        // Refused before any connection: no database is reachable at this URL.
        let result = try await runUrumi([
            "serve", "--auth", "none", "--host", host, "--port", "0",
            "--database-url", "postgres://nobody@127.0.0.1:1/none",
        ])
        #expect(result.status != 0)
        let lines = result.stderr.split(separator: "\n", omittingEmptySubsequences: true)
        #expect(lines.count == 1, "one line, not a usage screen: \(result.stderr)")
        #expect(lines.first?.contains("--allow-no-auth-on-network") == true, "\(result.stderr)")
        #expect(result.stdout.isEmpty, "\(result.stdout)")
    }

    @Test func noAuthOnTheNetworkRunsWhenAllowedByNameAndSaysSoLoudly() async throws {
        try await ServerDatabase.with { database in
            let server = try await UrumiProcess(
                databaseURL: database.url, auth: .none,
                arguments: ["--host", "0.0.0.0", "--allow-no-auth-on-network", "--sim-latency", "10ms"])
            defer { server.stop() }
            #expect(server.log.contains(Self.warning), "\(server.log)")
            #expect(server.stdout.contains("auth: none (DEVELOPMENT ONLY)"), "\(server.stdout)")
            // Everyone is admin: a change without any credential works.
            let created = try await HTTPClient(base: server.baseURL).createStore("Open", domain: uniqueDomain("open"))
            #expect(created.status == 202)
            #expect((created.json["store"] as? [String: Any])?["requestedBy"] as? String == "anonymous")
        }
    }

    @Test func noAuthOnLoopbackRunsAndWarnsLoudly() async throws {
        try await ServerDatabase.with { database in
            let server = try await UrumiProcess(
                databaseURL: database.url, auth: .none, arguments: ["--sim-latency", "10ms"])
            defer { server.stop() }
            let warning = try #require(
                server.log.split(separator: "\n").first { $0.contains(Self.warning) }, "\(server.log)")
            #expect(warning.contains("critical"), "logged at the loudest level: \(warning)")
            #expect(warning.contains("every caller is admin"), "\(warning)")
            #expect(try await HTTPClient(base: server.baseURL).get("/stores").status == 200)
            let whoami = try await HTTPClient(base: server.baseURL).get("/session")
            #expect(whoami.json["auth"] as? String == "none")
        }
    }

    @Test func tokensOnTheNetworkNeedNoPermissionAndDoNotWarn() async throws {
        try await ServerDatabase.with { database in
            let server = try await UrumiProcess(
                databaseURL: database.url, auth: .tokens, arguments: ["--host", "0.0.0.0", "--sim-latency", "10ms"])
            defer { server.stop() }
            #expect(!server.log.contains(Self.warning))
            #expect(server.stdout.contains("auth: tokens"), "\(server.stdout)")
            #expect(try await HTTPClient(base: server.baseURL).get("/stores").status == 401)
        }
    }

    @Test func tokensAreTheDefault() async throws {
        try await ServerDatabase.with { database in
            let server = try await UrumiProcess(
                databaseURL: database.url, auth: .serverDefault, arguments: ["--sim-latency", "10ms"])
            defer { server.stop() }
            #expect(server.stdout.contains("auth: tokens"), "\(server.stdout)")
            expectUnauthorized(try await Wire.request(port: server.port, "GET", "/stores"), "default auth")
        }
    }
}
