import Foundation

/// Dashboard sessions: a random id in an HttpOnly cookie, stored only hashed.
///
/// A session belongs to one issue of a token (`issue`: the hash its `token.created.v1` event
/// stores, see `TokenRegistry.issue(of:)`), so a token revoked and issued again under the same
/// name does not bring the old token's sessions back.
public protocol SessionStore: Sendable {
    /// Starts a session for an issue of a token; returns the cookie value and the CSRF token.
    func start(tokenName: String, issue: String, lifetime: Duration) async throws -> (id: String, csrf: String)
    /// The token name, token issue and CSRF token of a live session.
    func find(_ id: String) async throws -> (tokenName: String, issue: String, csrf: String)?
    func end(_ id: String) async throws
}
