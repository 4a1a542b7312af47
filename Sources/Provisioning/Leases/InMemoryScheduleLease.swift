import Synchronization

/// Schedule leases in memory, expiring by an injected clock: for tests, and for a single
/// process (where every schedule's holder is that process).
public final class InMemoryScheduleLease<C: Clock>: ScheduleLease where C.Duration == Duration {
    private struct Held: Sendable {
        let holder: String
        let expires: C.Instant
    }

    private let clock: C
    private let leases = Mutex<[String: Held]>([:])

    public init(clock: C) {
        self.clock = clock
    }

    public func acquire(_ name: String, holder: String, ttl: Duration) async throws -> Bool {
        let now = clock.now
        return leases.withLock { leases in
            if let held = leases[name], held.holder != holder, now < held.expires { return false }
            leases[name] = Held(holder: holder, expires: now.advanced(by: ttl))
            return true
        }
    }

    public func release(_ name: String, holder: String) async throws {
        leases.withLock { leases in
            if leases[name]?.holder == holder { leases[name] = nil }
        }
    }

    /// Who holds `name` now (nil: nobody, or expired).
    public func holder(of name: String) -> String? {
        let now = clock.now
        return leases.withLock { leases in
            guard let held = leases[name], now < held.expires else { return nil }
            return held.holder
        }
    }
}
