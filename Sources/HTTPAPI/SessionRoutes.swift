import Auth
import Foundation
import HTTPTypes
import Hummingbird
import Synchronization

/// `/session`: the dashboard's sign-in (a token for a session cookie), who-am-I, sign-out.
struct SessionRoutes {
    let environment: APIEnvironment
    let limiter = SignInLimiter()

    struct Whoami: Encodable {
        let name: String?
        let role: String?
        let auth: String
        let csrfToken: String?
    }

    func register(on router: RouterGroup<APIContext>) {
        router.get("session") { request, context in
            try APIJSON.response(
                Whoami(
                    name: context.identity?.name, role: context.identity?.role.rawValue,
                    auth: environment.auth.mode, csrfToken: request.cookies[AuthMiddleware.csrfCookie]?.value))
        }
        router.post("session") { request, context in try await signIn(request, context: context) }
        router.delete("session") { request, context in
            if case .tokens(_, let sessions, let secure) = environment.auth,
                let id = request.cookies[AuthMiddleware.sessionCookie]?.value
            {
                try await sessions.end(id)
                var response = Response(status: .noContent)
                response.setCookie(Self.cookie(AuthMiddleware.sessionCookie, "", maxAge: 0, httpOnly: true, secure: secure))
                response.setCookie(Self.cookie(AuthMiddleware.csrfCookie, "", maxAge: 0, httpOnly: false, secure: secure))
                return response
            }
            return Response(status: .noContent)
        }
    }

    private func signIn(_ request: Request, context: APIContext) async throws -> Response {
        guard case .tokens(let registry, let sessions, let secure) = environment.auth else {
            throw Problem(.conflict, status: .conflict, title: "No sign-in", detail: "authentication is off (--auth none)")
        }
        guard limiter.allows(context.remoteAddress) else {
            throw Problem(
                .tooManyRequests, status: .tooManyRequests, title: "Too many failed sign-ins",
                detail: "wait a few minutes before trying again")
        }
        let body = try await APIJSON.object(from: request, allowed: ["token"], limit: 4096)
        guard let token = body["token"]?.string, let identity = try await registry.verify(token),
            let issue = TokenRegistry.issue(of: token)
        else {
            limiter.recordFailure(context.remoteAddress)
            throw Problem(.unauthorized, status: .unauthorized, title: "Sign-in failed", detail: "the token is invalid or revoked")
        }
        let secureCookie = secure || request.headers[HTTPField.Name("X-Forwarded-Proto")!] == "https"
        let (id, csrf) = try await sessions.start(tokenName: identity.name, issue: issue, lifetime: .seconds(12 * 3600))
        var response = try APIJSON.response(
            Whoami(name: identity.name, role: identity.role.rawValue, auth: "tokens", csrfToken: csrf))
        response.setCookie(Self.cookie(AuthMiddleware.sessionCookie, id, maxAge: 12 * 3600, httpOnly: true, secure: secureCookie))
        response.setCookie(Self.cookie(AuthMiddleware.csrfCookie, csrf, maxAge: 12 * 3600, httpOnly: false, secure: secureCookie))
        return response
    }

    static func cookie(_ name: String, _ value: String, maxAge: Int, httpOnly: Bool, secure: Bool) -> Cookie {
        Cookie(name: name, value: value, maxAge: maxAge, path: "/", secure: secure, httpOnly: httpOnly, sameSite: .strict)
    }
}

/// Failed sign-ins per address: at most 10 in 5 minutes.
final class SignInLimiter: Sendable {
    private let failures = Mutex<[String: [ContinuousClock.Instant]]>([:])
    let limit = 10
    let window = Duration.seconds(300)

    func allows(_ address: String) -> Bool {
        let now = ContinuousClock.now
        return failures.withLock { failures in
            let recent = (failures[address] ?? []).filter { now - $0 < window }
            failures[address] = recent
            return recent.count < limit
        }
    }

    func recordFailure(_ address: String) {
        let now = ContinuousClock.now
        failures.withLock { failures in
            if failures.count > 10_000 {
                // Forget addresses whose failures are all out of the window, so that many
                // addresses (IPv6 makes them cheap) cannot grow this map without bound.
                failures = failures.compactMapValues { times in
                    let recent = times.filter { now - $0 < window }
                    return recent.isEmpty ? nil : recent
                }
            }
            failures[address, default: []].append(now)
        }
    }
}
