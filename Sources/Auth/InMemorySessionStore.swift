import Foundation
import Synchronization

/// Dashboard sessions in memory (`.inMemory` applications: tests, demos). Like the
/// PostgreSQL store it keeps only the hash of a session id; expiry is on the injected `now`.
public final class InMemorySessionStore: SessionStore {
    private struct Session {
        let tokenName: String
        let issue: String
        let csrf: String
        let expires: Date
    }

    private let sessions = Mutex<[String: Session]>([:])
    private let now: @Sendable () -> Date

    public init(now: @escaping @Sendable () -> Date) {
        self.now = now
    }

    public func start(tokenName: String, issue: String, lifetime: Duration) async throws -> (id: String, csrf: String) {
        let id = AccessToken.randomHex()
        let csrf = AccessToken.randomHex(bytes: 16)
        let expires = now().addingTimeInterval(Double(lifetime.components.seconds))
        sessions.withLock { $0[AccessToken.hash(id)] = Session(tokenName: tokenName, issue: issue, csrf: csrf, expires: expires) }
        return (id, csrf)
    }

    public func find(_ id: String) async throws -> (tokenName: String, issue: String, csrf: String)? {
        let at = now()
        return sessions.withLock { sessions in
            guard let session = sessions[AccessToken.hash(id)], session.expires > at else { return nil }
            return (session.tokenName, session.issue, session.csrf)
        }
    }

    public func end(_ id: String) async throws {
        _ = sessions.withLock { $0.removeValue(forKey: AccessToken.hash(id)) }
    }
}
