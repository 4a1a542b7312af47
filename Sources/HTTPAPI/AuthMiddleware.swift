import Auth
import Foundation
import HTTPTypes
import Hummingbird

/// Authenticates every route (bearer token, or session cookie + CSRF header for unsafe
/// methods) and enforces roles: reading needs `viewer`, changing needs `admin`.
/// Unauthenticated is 401, the wrong role 403, both problem+json.
struct AuthMiddleware: RouterMiddleware {
    typealias Context = APIContext

    let settings: AuthSettings

    static let sessionCookie = "urumi_session"
    static let csrfCookie = "urumi_csrf"
    static let csrfHeader = HTTPField.Name("X-CSRF-Token")!

    /// Paths that hold data; everything else (health, sign-in, the dashboard's static files,
    /// /openapi.yaml, unknown paths that end in 404) anyone may request.
    static let protectedPrefixes = ["/stores", "/audit", "/stream", "/metrics", "/rollouts"]

    static func isPublic(_ request: Request) -> Bool {
        let path = request.uri.path
        return !protectedPrefixes.contains { path == $0 || path.hasPrefix($0 + "/") }
    }

    func handle(_ request: Request, context: APIContext, next: (Request, APIContext) async throws -> Response) async throws
        -> Response
    {
        var context = context
        switch settings {
        case .none:
            context.identity = Identity(name: "anonymous", role: .admin)
            return try await next(request, context)
        case .tokens(let registry, let sessions, _):
            context.identity = try await authenticate(request, registry: registry, sessions: sessions)
        }
        if Self.isPublic(request) { return try await next(request, context) }
        guard let identity = context.identity else {
            throw Problem(
                .unauthorized, status: .unauthorized, title: "Unauthorized",
                detail: "send Authorization: Bearer <token>, or sign in to the dashboard")
        }
        let needed: Role = request.method == .get || request.method == .head ? .viewer : .admin
        guard identity.allows(needed) else {
            throw Problem(.forbidden, status: .forbidden, title: "Forbidden", detail: "this needs the \(needed.rawValue) role")
        }
        return try await next(request, context)
    }

    /// The caller's identity, nil when anonymous; a present but bad credential is an error.
    private func authenticate(_ request: Request, registry: TokenRegistry, sessions: any SessionStore) async throws
        -> Identity?
    {
        if let header = request.headers[.authorization] {
            guard header.lowercased().hasPrefix("bearer "), let identity = try await registry.verify(String(header.dropFirst(7)))
            else {
                throw Problem(.unauthorized, status: .unauthorized, title: "Unauthorized", detail: "the token is invalid or revoked")
            }
            return identity
        }
        guard let session = request.cookies[Self.sessionCookie]?.value else { return nil }
        guard let found = try await sessions.find(session),
            let identity = try await registry.identity(named: found.tokenName, issue: found.issue)
        else {
            return nil
        }
        // A cookie rides along with any request the browser makes: state changes must also
        // carry the CSRF token, which only our own pages can read.
        if request.method != .get && request.method != .head && request.uri.path != "/session" {
            guard let sent = request.headers[Self.csrfHeader], AccessToken.constantTimeEquals(sent, found.csrf) else {
                throw Problem(.forbidden, status: .forbidden, title: "CSRF check failed", detail: "send the X-CSRF-Token header")
            }
        }
        return identity
    }
}
