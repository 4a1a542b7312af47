import Foundation
import Testing

/// Who calls: every kind of caller the API must tell apart.
enum Caller: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case nobody
    case viewer
    case admin
    /// A token that worked, then was revoked.
    case revoked
    /// Not a token at all (the admin's token with its last digit cut off).
    case malformed
    /// Well-formed, for a name that was never issued.
    case unknownName

    var testDescription: String { rawValue }

    /// The name events would record for this caller, were it let through.
    var actor: String {
        switch self {
        case .nobody, .malformed: "anonymous"
        case .viewer: "matrix-viewer"
        case .admin: "matrix-admin"
        case .revoked: "matrix-revoked"
        case .unknownName: "ghost"
        }
    }
}

/// Every route of the server.
enum APIRoute: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case createStore = "POST /stores"
    case listStores = "GET /stores"
    case showStore = "GET /stores/{id}"
    case deleteStore = "DELETE /stores/{id}"
    case retryStore = "POST /stores/{id}/retry"
    case forgetStore = "POST /stores/{id}/forget"
    case storeEvents = "GET /stores/{id}/events"
    case storeCredentials = "GET /stores/{id}/credentials"
    case audit = "GET /audit"
    case listRollouts = "GET /rollouts"
    case dryRunRollout = "POST /rollouts?dry_run=true"
    case stream = "GET /stream"
    case session = "GET /session"
    case healthLive = "GET /health/live"
    case healthReady = "GET /health/ready"
    case eventTypes = "GET /event-types"
    case openAPI = "GET /openapi.yaml"
    case dashboard = "GET /"

    var testDescription: String { rawValue }

    var method: String { String(rawValue.split(separator: " ")[0]) }

    /// Static files: served before authentication (they hold no data).
    var isStaticFile: Bool { self == .openAPI || self == .dashboard }

    /// API routes anyone may call.
    var isPublic: Bool { self == .session || self == .healthLive || self == .healthReady || self == .eventTypes }

    /// Changes something, or reveals a secret.
    var needsAdmin: Bool { method != "GET" || self == .storeCredentials }

    /// The status and content type of success.
    var success: (status: Int, contentType: String) {
        switch self {
        case .createStore, .deleteStore, .retryStore: (202, "application/json")
        case .stream: (200, "text/event-stream")
        case .openAPI: (200, "yaml")
        case .dashboard: (200, "text/html")
        default: (200, "application/json")
        }
    }
}

/// What a caller must get from a route.
enum Verdict: Equatable, CustomStringConvertible {
    case unauthorized
    case forbidden
    case success

    var description: String {
        switch self {
        case .unauthorized: "401"
        case .forbidden: "403"
        case .success: "success"
        }
    }

    /// The rules: static files for all; public routes for anyone who presents no credential
    /// or a good one; a presented but bad bearer token is refused everywhere it is looked at
    /// (RFC 6750 `invalid_token`), so a client learns at once that its token is dead; reading
    /// needs viewer, changing and credentials need admin.
    static func of(_ caller: Caller, on route: APIRoute) -> Verdict {
        if route.isStaticFile { return .success }
        switch caller {
        case .nobody: return route.isPublic ? .success : .unauthorized
        case .revoked, .malformed, .unknownName: return .unauthorized
        case .viewer: return route.needsAdmin ? .forbidden : .success
        case .admin: return .success
        }
    }
}

/// One server with tokens, and the stores every case of the matrix works on.
struct AuthMatrixFixture: Sendable {
    let database: ServerDatabase
    let server: any ServerEndpoint
    let tokens: [Caller: String]
    let readyStore: String
    let failedStore: String

    @TaskLocal static var current: AuthMatrixFixture?

    static var required: AuthMatrixFixture {
        get throws {
            guard let current else { throw ProcessFailure.failed("this test needs the .authMatrix suite trait") }
            return current
        }
    }

    var port: Int { server.port }

    func headers(_ caller: Caller) -> [(String, String)] {
        guard let token = tokens[caller] else { return [] }
        return [bearer(token)]
    }

    func send(_ method: String, _ path: String, as caller: Caller, json: [String: Any]? = nil, readFor: Duration? = nil)
        async throws -> WireResponse
    {
        var headers = headers(caller)
        var body: Data?
        if let json {
            body = try JSONSerialization.data(withJSONObject: json)
            headers.append(("Content-Type", "application/json"))
        }
        return try await Wire.request(port: port, method, path, headers: headers, body: body, readFor: readFor)
    }

    /// Polls a store as admin until `done` holds.
    @discardableResult
    func waitForStore(_ id: String, timeout: Duration = .seconds(30), _ done: ([String: Any]) -> Bool) async throws
        -> [String: Any]
    {
        let deadline = ContinuousClock.now + timeout
        while true {
            let response = try await send("GET", "/stores/\(id)", as: .admin)
            if response.status == 200, done(response.json) { return response.json }
            if ContinuousClock.now > deadline {
                throw ProcessFailure.failed("store \(id): \(response.status) \(response.text)")
            }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    /// Creates a store as admin; returns its id.
    func createStore(_ prefix: String) async throws -> String {
        let response = try await send("POST", "/stores", as: .admin, json: storeBody(domain: uniqueDomain(prefix)))
        #expect(response.status == 202, "\(response.text)")
        return try #require(response.json["id"] as? String)
    }
}

struct AuthMatrixTrait: SuiteTrait, TestScoping {
    var isRecursive: Bool { false }

    func provideScope(
        for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void
    ) async throws {
        try await withoutActuallyEscaping(function) { function in try await scope(function) }
    }

    private func scope(_ function: @escaping @Sendable () async throws -> Void) async throws {
        try await ServerDatabase.with { database in
            // Half of the stores fail at mysql: the matrix needs a ready one and a failed one.
            try await InProcessServer.run(
                databaseURL: database.url, auth: .tokens,
                arguments: ["--sim-latency", "10ms", "--sim-fail", "mysql=0.5", "--sim-seed", "5"]) { server in
                var tokens: [Caller: String] = [:]
                tokens[.admin] = try await issueToken(database, name: "matrix-admin", role: "admin")
                tokens[.viewer] = try await issueToken(database, name: "matrix-viewer", role: "viewer")
                let revoked = try await issueToken(database, name: "matrix-revoked", role: "admin")
                // It works until it is revoked.
                let before = try await Wire.request(port: server.port, "GET", "/stores", headers: [bearer(revoked)])
                #expect(before.status == 200, "\(before.text)")
                try await revokeToken(database, name: "matrix-revoked")
                tokens[.revoked] = revoked
                tokens[.malformed] = String(tokens[.admin]!.dropLast())
                tokens[.unknownName] = "urumi_ghost_" + String(repeating: "ab", count: 32)

                var fixture = AuthMatrixFixture(
                    database: database, server: server, tokens: tokens, readyStore: "", failedStore: "")
                var ready: String?
                var failed: String?
                for _ in 0..<30 where ready == nil || failed == nil {
                    let id = try await fixture.createStore("matrix")
                    let store = try await fixture.waitForStore(id) {
                        ["ready", "failed"].contains($0["status"] as? String ?? "")
                    }
                    if store["status"] as? String == "ready" { ready = ready ?? id } else { failed = failed ?? id }
                }
                fixture = AuthMatrixFixture(
                    database: database, server: server, tokens: tokens, readyStore: try #require(ready),
                    failedStore: try #require(failed))
                try await AuthMatrixFixture.$current.withValue(fixture) { try await function() }
            }
        }
    }
}

extension Trait where Self == AuthMatrixTrait {
    /// A server with `--auth tokens`, tokens for every caller, a ready and a failed store.
    static var authMatrix: Self { AuthMatrixTrait() }
}

@Suite("Security: who may call what", .authMatrix, .timeLimit(.minutes(3)))
struct SecurityAuthMatrixTests {
    @Test(arguments: Caller.allCases, APIRoute.allCases)
    func everyCallerGetsExactlyItsAnswerFromEveryRoute(caller: Caller, route: APIRoute) async throws {
        let fixture = try AuthMatrixFixture.required
        let verdict = Verdict.of(caller, on: route)
        var path: String
        var body: [String: Any]?
        switch route {
        case .createStore:
            path = "/stores"
            body = storeBody(domain: uniqueDomain("matrix-\(caller.rawValue.lowercased())"))
        case .listStores: path = "/stores"
        case .showStore: path = "/stores/\(fixture.readyStore)"
        case .deleteStore:
            // The admin deletes a store of its own (the shared ones must stay as they are).
            path =
                "/stores/\(verdict == .success ? try await fixture.createStore("matrix-doomed") : fixture.readyStore)"
        case .retryStore: path = "/stores/\(fixture.failedStore)/retry"
        case .forgetStore:
            // The admin forgets a ready store of its own (the shared ones keep their e-mails).
            var target = fixture.readyStore
            if verdict == .success {
                target = try await fixture.createStore("matrix-forget")
                try await fixture.waitForStore(target) { ["ready", "failed"].contains($0["status"] as? String ?? "") }
            }
            path = "/stores/\(target)/forget"
        case .storeEvents: path = "/stores/\(fixture.readyStore)/events"
        case .storeCredentials: path = "/stores/\(fixture.readyStore)/credentials"
        case .audit: path = "/audit"
        case .listRollouts: path = "/rollouts"
        case .dryRunRollout:
            // Plans a change and records nothing, so every caller may try it on the shared store.
            path = "/rollouts?dry_run=true"
            body = ["change": ["plan": "medium"], "selector": ["ids": [fixture.readyStore]]]
        case .stream: path = "/stream"
        case .session: path = "/session"
        case .healthLive: path = "/health/live"
        case .eventTypes: path = "/event-types"
        case .healthReady: path = "/health/ready"
        case .openAPI: path = "/openapi.yaml"
        case .dashboard: path = "/"
        }
        let response = try await fixture.send(
            route.method, path, as: caller, json: body, readFor: route == .stream ? .milliseconds(800) : nil)
        let what = "\(caller) \(route): \(response.status) \(response.text.prefix(300))"

        switch verdict {
        case .unauthorized:
            expectUnauthorized(response, what)
        case .forbidden:
            expectProblem(response.result, 403, "forbidden")
        case .success:
            #expect(response.status == route.success.status, "\(what)")
            #expect(
                response.header("Content-Type")?.contains(route.success.contentType) == true,
                "\(what) \(response.fields)")
        }
        if verdict != .unauthorized {
            #expect(response.header("WWW-Authenticate") == nil, "only a 401 challenges: \(what)")
        }

        // What success shows, per route.
        if verdict == .success {
            switch route {
            case .session:
                let whoami = response.json
                #expect(whoami["auth"] as? String == "tokens")
                if caller == .nobody {
                    #expect(whoami["name"] == nil || whoami["name"] is NSNull, "\(what)")
                } else {
                    #expect(
                        whoami["name"] as? String == caller.actor && whoami["role"] as? String == caller.rawValue,
                        "\(what)")
                }
            case .storeCredentials:
                #expect(response.json["username"] as? String == "admin")
                #expect((response.json["password"] as? String)?.count ?? 0 >= 16)
                #expect(response.header("Cache-Control") == "no-store")
            case .stream:
                #expect(response.text.hasPrefix("retry:"), "\(what)")
            case .createStore:
                #expect((response.json["store"] as? [String: Any])?["requestedBy"] as? String == caller.actor)
            case .forgetStore:
                #expect((response.json["store"] as? [String: Any])?["adminEmail"] as? String == "[erased]", "\(what)")
            default:
                break
            }
        }

        // A refused change changes nothing: the log holds no event by this caller (read from
        // the table itself, which no reader's snapshot holds back).
        if verdict != .success, route.needsAdmin {
            let rows = try await fixture.database.pool.query(
                "select type from events where metadata->>'actor' = \(caller.actor) and type not like 'token.%'")
            let types = try rows.map { try $0.decode(String.self, "type") }
            #expect(types.isEmpty, "\(caller.actor) recorded \(types)")
        }
    }

    /// Authorization headers that must never authenticate (and one spelling that must).
    @Test func everyMalformedAuthorizationHeaderIsRefused() async throws {
        let fixture = try AuthMatrixFixture.required
        let admin = fixture.tokens[.admin]!
        let flipped = String(admin.dropLast()) + (admin.last == "0" ? "1" : "0")
        let refused: [(String, String)] = [
            ("Authorization", "Bearer"),
            ("Authorization", "Bearer "),
            ("Authorization", "Basic \(Data("matrix-admin:\(tokenSecret(admin))".utf8).base64EncodedString())"),
            ("Authorization", admin),
            ("Authorization", "Token \(admin)"),
            ("Authorization", "Bearer \(flipped)"),
            ("Authorization", "Bearer \(admin.uppercased())"),
            ("Authorization", "Bearer \(admin)x"),
            ("Authorization", "Bearer urumi_matrix-admin_"),
            ("Authorization", "Bearer urumi__\(tokenSecret(admin))"),
            ("Authorization", "Bearer urumi_MATRIX-ADMIN_\(tokenSecret(admin))"),
            ("Authorization", "Bearer urumi_../admin_\(tokenSecret(admin))"),
            ("Authorization", "Bearer urumi_matrix-viewer_\(tokenSecret(admin))"),
            ("Authorization", "Bearer " + String(repeating: "a", count: 8000)),
            ("Cookie", "urumi_session=\(tokenSecret(admin))"),
            ("Cookie", "urumi_session=\(admin)"),
        ]
        for header in refused {
            let response = try await Wire.request(port: fixture.port, "GET", "/stores", headers: [header])
            expectUnauthorized(response, "\(header.0): \(header.1.prefix(80))")
        }
        // A token in the query string is not a credential (it would end up in access logs).
        let query = try await Wire.request(port: fixture.port, "GET", "/stores?access_token=\(admin)&token=\(admin)")
        expectUnauthorized(query, "token in the query")
        // The scheme is case-insensitive (RFC 9110 §11.1).
        let lowercase = try await Wire.request(
            port: fixture.port, "GET", "/stores", headers: [("Authorization", "bearer \(admin)")])
        #expect(lowercase.status == 200, "\(lowercase.text)")
    }
}
