import Auth
import Foundation
import Postgres

/// Sessions in the `sessions` table (cookie values hashed with SHA-256).
public struct PostgresSessionStore: SessionStore {
    let pool: PostgresPool

    public init(pool: PostgresPool) {
        self.pool = pool
    }

    public func start(tokenName: String, issue: String, lifetime: Duration) async throws -> (id: String, csrf: String) {
        let id = AccessToken.randomHex()
        let csrf = AccessToken.randomHex(bytes: 16)
        let seconds = Int64(lifetime.components.seconds)
        try await pool.query(
            """
            insert into sessions (id_hash, token_name, token_hash, csrf, expires_at)
            values (\(AccessToken.hash(id)), \(tokenName), \(issue), \(csrf), now() + \(seconds) * interval '1 second')
            """)
        // Housekeeping: expired sessions go.
        try await pool.query("delete from sessions where expires_at < now() - interval '1 day'")
        return (id, csrf)
    }

    public func find(_ id: String) async throws -> (tokenName: String, issue: String, csrf: String)? {
        guard id.utf8.count == 64 else { return nil }
        let rows = try await pool.query(
            """
            select token_name, token_hash, csrf from sessions
            where id_hash = \(AccessToken.hash(id)) and expires_at > now() and token_hash is not null
            """)
        guard let row = rows.first else { return nil }
        return (
            try row.decode(String.self, "token_name"), try row.decode(String.self, "token_hash"),
            try row.decode(String.self, "csrf")
        )
    }

    public func end(_ id: String) async throws {
        try await pool.query("delete from sessions where id_hash = \(AccessToken.hash(id))")
    }
}
