import Foundation
import Testing

/// A signed-in dashboard session as the browser holds it.
struct BrowserSession: Sendable {
    let id: String
    let csrf: String

    var cookie: (String, String) { ("Cookie", "urumi_session=\(id); urumi_csrf=\(csrf)") }
}

/// `POST /session {"token": ...}`.
func signIn(port: Int, token: String, headers: [(String, String)] = []) async throws -> WireResponse {
    try await Wire.request(
        port: port, "POST", "/session", headers: [("Content-Type", "application/json")] + headers,
        body: try JSONSerialization.data(withJSONObject: ["token": token]))
}

/// Signs in and returns the session (failing the test unless it worked).
func signedIn(port: Int, token: String, sourceLocation: SourceLocation = #_sourceLocation) async throws
    -> BrowserSession
{
    let response = try await signIn(port: port, token: token)
    #expect(response.status == 200, "\(response.text)", sourceLocation: sourceLocation)
    let id = try #require(response.cookie("urumi_session")?.value, sourceLocation: sourceLocation)
    let csrf = try #require(response.cookie("urumi_csrf")?.value, sourceLocation: sourceLocation)
    return BrowserSession(id: id, csrf: csrf)
}

/// Dashboard sessions: cookie flags, what the cookie alone may do, CSRF, sign-out, revocation.
@Suite("Security: sessions", .timeLimit(.minutes(3)))
struct SecuritySessionTests {
    /// A fresh database with an admin and a viewer token, and a server with tokens on.
    private func withServer(
        _ arguments: [String] = [],
        _ body: @escaping @Sendable (ServerDatabase, any ServerEndpoint, _ admin: String, _ viewer: String) async throws -> Void
    ) async throws {
        try await ServerDatabase.with { database in
            try await InProcessServer.run(
                databaseURL: database.url, auth: .tokens, arguments: ["--sim-latency", "10ms"] + arguments) { server in
                let admin = try await issueToken(database, name: "sess-admin", role: "admin")
                let viewer = try await issueToken(database, name: "sess-viewer", role: "viewer")
                try await body(database, server, admin, viewer)
            }
        }
    }

    private func json(_ object: [String: Any]) throws -> Data { try JSONSerialization.data(withJSONObject: object) }

    @Test func signingInSetsAStrictHttpOnlySessionCookieAndAReadableCSRFCookie() async throws {
        try await withServer { _, server, admin, _ in
            let response = try await signIn(port: server.port, token: admin)
            #expect(response.status == 200, "\(response.text)")
            #expect(response.header("Content-Type") == "application/json")
            let session = try #require(response.cookie("urumi_session"), "\(response.fields)")
            let csrf = try #require(response.cookie("urumi_csrf"), "\(response.fields)")
            #expect(session.has("HttpOnly"))
            #expect(!csrf.has("HttpOnly"), "the dashboard's script reads the CSRF cookie")
            for cookie in [session, csrf] {
                #expect(cookie["SameSite"]?.lowercased() == "strict", "\(cookie)")
                #expect(cookie["Path"] == "/", "\(cookie)")
                #expect(!cookie.has("Secure"), "plain http: a Secure cookie would never come back: \(cookie)")
                #expect((cookie["Max-Age"].flatMap { Int($0) } ?? 0) > 0, "\(cookie)")
                #expect(cookie.value.count >= 32, "\(cookie)")
                #expect(!cookie.value.contains(tokenSecret(admin)), "the cookie is not the token")
            }
            #expect(session.value != csrf.value)
            let whoami = response.json
            #expect(whoami["name"] as? String == "sess-admin" && whoami["role"] as? String == "admin")
            #expect(whoami["csrfToken"] as? String == csrf.value)
            #expect(!response.text.contains(tokenSecret(admin)), "the answer does not echo the token")
            #expect(!response.text.contains(session.value), "the session id is only in the HttpOnly cookie")
            // Two sign-ins are two sessions.
            let again = try await signedIn(port: server.port, token: admin)
            #expect(again.id != session.value && again.csrf != csrf.value)
        }
    }

    @Test func cookiesAreSecureBehindAnHTTPSProxyOrWithSecureCookies() async throws {
        try await withServer { _, server, admin, _ in
            let response = try await signIn(port: server.port, token: admin, headers: [("X-Forwarded-Proto", "https")])
            #expect(response.status == 200)
            #expect(response.cookie("urumi_session")?.has("Secure") == true, "\(response.fields)")
            #expect(response.cookie("urumi_csrf")?.has("Secure") == true, "\(response.fields)")
            #expect(response.cookie("urumi_session")?.has("HttpOnly") == true)
            let plain = try await signIn(port: server.port, token: admin, headers: [("X-Forwarded-Proto", "http")])
            #expect(plain.cookie("urumi_session")?.has("Secure") == false)
        }
        try await withServer(["--secure-cookies"]) { _, server, admin, _ in
            let response = try await signIn(port: server.port, token: admin)
            #expect(response.status == 200)
            #expect(response.cookie("urumi_session")?.has("Secure") == true, "\(response.fields)")
            #expect(response.cookie("urumi_csrf")?.has("Secure") == true, "\(response.fields)")
            // Signing out clears them with the same flags, or the browser keeps them.
            let session = BrowserSession(
                id: response.cookie("urumi_session")!.value, csrf: response.cookie("urumi_csrf")!.value)
            let out = try await Wire.request(port: server.port, "DELETE", "/session", headers: [session.cookie])
            #expect(out.status == 204)
            #expect(
                out.cookie("urumi_session")?.has("Secure") == true && out.cookie("urumi_session")?["Max-Age"] == "0")
        }
    }

    @Test func theCookieAloneAuthorisesReadsAndTheEventStream() async throws {
        try await withServer { _, server, admin, viewer in
            for (token, name) in [(admin, "sess-admin"), (viewer, "sess-viewer")] {
                let session = try await signedIn(port: server.port, token: token)
                for path in ["/stores", "/audit", "/health/ready"] {
                    let response = try await Wire.request(port: server.port, "GET", path, headers: [session.cookie])
                    #expect(response.status == 200, "\(name) GET \(path): \(response.text)")
                }
                let whoami = try await Wire.request(port: server.port, "GET", "/session", headers: [session.cookie])
                #expect(whoami.json["name"] as? String == name && whoami.json["csrfToken"] as? String == session.csrf)
                // The token events of the two issued tokens are in the log from the start (read
                // again while another transaction on the server holds the log's readers back).
                var stream: WireResponse
                let deadline = ContinuousClock.now + .seconds(10)
                repeat {
                    stream = try await Wire.request(
                        port: server.port, "GET", "/stream?after=0", headers: [session.cookie],
                        readFor: .milliseconds(800))
                } while !stream.text.contains("event: token.created.v1") && stream.status == 200
                    && ContinuousClock.now < deadline
                #expect(stream.status == 200, "\(stream.text)")
                #expect(stream.header("Content-Type") == "text/event-stream")
                #expect(stream.text.contains("event: token.created.v1"), "\(stream.text.prefix(500))")
                // Only the session cookie counts; the CSRF cookie alone is nobody.
                let csrfOnly = try await Wire.request(
                    port: server.port, "GET", "/stores", headers: [("Cookie", "urumi_csrf=\(session.csrf)")])
                expectUnauthorized(csrfOnly, "CSRF cookie alone")
            }
        }
    }

    @Test func aCookieAuthenticatedChangeNeedsTheRightCSRFHeader() async throws {
        try await withServer { _, server, admin, viewer in
            let port = server.port
            let session = try await signedIn(port: port, token: admin)
            let other = try await signedIn(port: port, token: admin)
            let create = { (headers: [(String, String)]) in
                try await Wire.request(
                    port: port, "POST", "/stores",
                    headers: [session.cookie, ("Content-Type", "application/json")] + headers,
                    body: try self.json(storeBody(domain: uniqueDomain("csrf"))))
            }
            expectProblem(try await create([]).result, 403, "forbidden")
            expectProblem(try await create([("X-CSRF-Token", "")]).result, 403, "forbidden")
            expectProblem(
                try await create([("X-CSRF-Token", String(session.csrf.dropLast()) + (session.csrf.last == "x" ? "y" : "x"))]).result, 403, "forbidden")
            expectProblem(try await create([("X-CSRF-Token", other.csrf)]).result, 403, "forbidden")
            // The CSRF value as a cookie is what a forger could plant; only the header counts.
            expectProblem(try await create([("X-CSRF-Token", session.id)]).result, 403, "forbidden")
            let created = try await create([("X-CSRF-Token", session.csrf)])
            #expect(created.status == 202, "\(created.text)")
            let id = try #require(created.json["id"] as? String)
            #expect((created.json["store"] as? [String: Any])?["requestedBy"] as? String == "sess-admin")

            let delete = { (headers: [(String, String)]) in
                try await Wire.request(port: port, "DELETE", "/stores/\(id)", headers: [session.cookie] + headers)
            }
            expectProblem(try await delete([]).result, 403, "forbidden")
            expectProblem(try await delete([("X-CSRF-Token", other.csrf)]).result, 403, "forbidden")
            let retry = try await Wire.request(port: port, "POST", "/stores/\(id)/retry", headers: [session.cookie])
            expectProblem(retry.result, 403, "forbidden")
            #expect(try await delete([("X-CSRF-Token", session.csrf)]).status == 202)

            // Nothing refused left a trace: one store requested, one deletion asked for. (The
            // audit may lag the append while another transaction on the server runs: wait for
            // the deletion, then look at everything.)
            var types: [String] = []
            let deadline = ContinuousClock.now + .seconds(10)
            repeat {
                let audit = try await Wire.request(
                    port: port, "GET", "/audit?actor=sess-admin", headers: [session.cookie])
                types = (audit.json["items"] as? [[String: Any]] ?? []).map { $0["type"] as? String ?? "?" }
                if types.contains("store.deletion-requested.v1") { break }
                try await Task.sleep(for: .milliseconds(50))
            } while ContinuousClock.now < deadline
            #expect(types == ["store.requested.v2", "store.deletion-requested.v1"])

            // A viewer's session with the right CSRF header is still a viewer.
            let viewing = try await signedIn(port: port, token: viewer)
            let refused = try await Wire.request(
                port: port, "POST", "/stores",
                headers: [viewing.cookie, ("Content-Type", "application/json"), ("X-CSRF-Token", viewing.csrf)],
                body: try json(storeBody(domain: uniqueDomain("viewer-csrf"))))
            expectProblem(refused.result, 403, "forbidden")
        }
    }

    @Test func signingOutEndsTheSession() async throws {
        try await withServer { _, server, admin, _ in
            let session = try await signedIn(port: server.port, token: admin)
            let kept = try await signedIn(port: server.port, token: admin)
            #expect(
                try await Wire.request(port: server.port, "GET", "/stores", headers: [session.cookie]).status == 200)
            let out = try await Wire.request(port: server.port, "DELETE", "/session", headers: [session.cookie])
            #expect(out.status == 204)
            for name in ["urumi_session", "urumi_csrf"] {
                let cleared = try #require(out.cookie(name), "\(out.fields)")
                #expect(cleared.value.isEmpty && cleared["Max-Age"] == "0", "\(cleared)")
            }
            // The old cookie is nobody now, even if the browser kept it.
            expectUnauthorized(
                try await Wire.request(port: server.port, "GET", "/stores", headers: [session.cookie]), "after sign-out"
            )
            let whoami = try await Wire.request(port: server.port, "GET", "/session", headers: [session.cookie])
            #expect(
                whoami.status == 200 && (whoami.json["name"] == nil || whoami.json["name"] is NSNull), "\(whoami.text)")
            // The same token's other session goes on.
            #expect(try await Wire.request(port: server.port, "GET", "/stores", headers: [kept.cookie]).status == 200)
        }
    }

    @Test func revokingTheTokenEndsItsSessionsForGood() async throws {
        try await withServer { database, server, _, _ in
            let token = try await issueToken(database, name: "sess-revoked", role: "admin")
            let session = try await signedIn(port: server.port, token: token)
            #expect(
                try await Wire.request(port: server.port, "GET", "/stores", headers: [session.cookie]).status == 200)
            try await revokeToken(database, name: "sess-revoked")
            expectUnauthorized(
                try await Wire.request(port: server.port, "GET", "/stores", headers: [session.cookie]), "revoked")
            // The revoked token cannot sign in again either.
            let again = try await signIn(port: server.port, token: token)
            expectUnauthorized(again, "sign-in with a revoked token")
            #expect(again.headers("Set-Cookie").isEmpty)
            // A new token under the same name (for someone else, perhaps, and a viewer) does
            // not bring the old sessions back.
            let successor = try await issueToken(database, name: "sess-revoked", role: "viewer")
            expectUnauthorized(
                try await Wire.request(port: server.port, "GET", "/stores", headers: [session.cookie]),
                "revived session")
            let fresh = try await signedIn(port: server.port, token: successor)
            let whoami = try await Wire.request(port: server.port, "GET", "/session", headers: [fresh.cookie])
            #expect(whoami.json["role"] as? String == "viewer")
        }
    }

    @Test func aFailedSignInSetsNoCookie() async throws {
        try await withServer { _, server, admin, _ in
            for body in [
                #"{"token":"urumi_nobody_"# + String(repeating: "0", count: 64) + #""}"#, #"{"token":42}"#, #"{}"#,
            ] {
                let response = try await Wire.request(
                    port: server.port, "POST", "/session", headers: [("Content-Type", "application/json")],
                    body: Data(body.utf8))
                expectUnauthorized(response, body)
                #expect(response.headers("Set-Cookie").isEmpty)
            }
            let extra = try await Wire.request(
                port: server.port, "POST", "/session", headers: [("Content-Type", "application/json")],
                body: try json(["token": admin, "role": "admin"]))
            expectProblem(extra.result, 422, "validation")
            #expect(extra.headers("Set-Cookie").isEmpty)
        }
    }
}

/// Failed sign-ins are limited per address; the limit does not lock out bearer tokens.
@Suite("Security: sign-in rate limit", .timeLimit(.minutes(3)))
struct SecuritySignInLimitTests {
    @Test func theEleventhSignInAfterTenFailuresIsTooManyRequests() async throws {
        try await ServerDatabase.with { database in
            try await InProcessServer.run(
                databaseURL: database.url, auth: .tokens, arguments: ["--sim-latency", "10ms"]) { server in
                let admin = try await issueToken(database, name: "limit-admin", role: "admin")
                let wrong = "urumi_limit-admin_" + String(repeating: "0", count: 64)
                // Nine failures, each from a different claimed client: X-Forwarded-For is not the address.
                for attempt in 1...9 {
                    let response = try await signIn(
                        port: server.port, token: wrong, headers: [("X-Forwarded-For", "10.0.0.\(attempt)")])
                    expectUnauthorized(response, "failure \(attempt)")
                }
                // Below the limit, the right token still signs in.
                #expect(try await signIn(port: server.port, token: admin).status == 200)
                expectUnauthorized(try await signIn(port: server.port, token: wrong), "failure 10")
                // Now even the right token is turned away.
                let limited = try await signIn(port: server.port, token: admin)
                expectProblem(limited.result, 429, "too-many-requests")
                let retryAfter = try #require(limited.header("Retry-After").flatMap { Int($0) }, "\(limited.fields)")
                #expect((1...300).contains(retryAfter))
                #expect(limited.headers("Set-Cookie").isEmpty)
                expectProblem(try await signIn(port: server.port, token: wrong).result, 429, "too-many-requests")
                // The limit is on guessing at the sign-in form, not on API clients with a token.
                #expect(try await Wire.request(port: server.port, "GET", "/stores", headers: [bearer(admin)]).status == 200)
            }
        }
    }
}
