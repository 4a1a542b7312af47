import Foundation

/// Dashboard sessions: a random id in an HttpOnly cookie, stored only hashed.
public protocol SessionStore: Sendable {
    /// Starts a session for a token name; returns the cookie value and the CSRF token.
    func start(tokenName: String, lifetime: Duration) async throws -> (id: String, csrf: String)
    /// The token name and CSRF token of a live session.
    func find(_ id: String) async throws -> (tokenName: String, csrf: String)?
    func end(_ id: String) async throws
}
