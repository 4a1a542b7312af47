import Foundation
import Logging
import PostgresReadModels
import Provisioning
import ServiceLifecycle
import Synchronization
import Testing
import TestSupport

/// The schedule lease port, the same checks on both implementations: in memory (expiry by a
/// manual clock) and on PostgreSQL (expiry by the database's clock, so those tests wait the
/// short TTLs out for real: the lease's time is the server's, not an injectable one).
@Suite("Schedule leases", .timeLimit(.minutes(2)))
struct ScheduleLeaseTests {
    /// A lease store under test and how to let `ttl` pass on its clock.
    struct Subject: Sendable {
        let lease: any ScheduleLease
        let pass: @Sendable (Duration) async throws -> Void
    }

    static func withEach(_ body: (Subject) async throws -> Void) async throws {
        let clock = ManualClock()
        try await body(Subject(lease: InMemoryScheduleLease(clock: clock), pass: { clock.advance(by: $0) }))
        try await TestDatabase.with { database in
            try await body(Subject(lease: PostgresScheduleLease(pool: database.pool), pass: { try await Task.sleep(for: $0) }))
        }
    }

    @Test func ofTwoHoldersOneWinsAndKeepsItWhileItRenews() async throws {
        try await Self.withEach { subject in
            let lease = subject.lease
            #expect(try await lease.acquire("health checks", holder: "a", ttl: .seconds(4)))
            #expect(try await !lease.acquire("health checks", holder: "b", ttl: .seconds(4)))
            // Renewed every 1.5 s for longer than the TTL: never free for b. (The TTL leaves a
            // loaded machine 2.5 s of slack per renewal: this suite shares two cores.)
            for _ in 0..<3 {
                try await subject.pass(.milliseconds(1500))
                #expect(try await lease.acquire("health checks", holder: "a", ttl: .seconds(4)), "a's renewal")
                #expect(try await !lease.acquire("health checks", holder: "b", ttl: .seconds(4)), "b while a renews")
            }
            // Another schedule's lease is another lease.
            #expect(try await lease.acquire("drift checks", holder: "b", ttl: .seconds(1)))
        }
    }

    @Test func aLeaseLeftToExpireGoesToTheNextHolderAndTheOldOneCannotRenewIt() async throws {
        try await Self.withEach { subject in
            let lease = subject.lease
            #expect(try await lease.acquire("backup schedule", holder: "a", ttl: .seconds(1)))
            // a dies: no renewal, no release.
            try await subject.pass(.milliseconds(1200))
            #expect(try await lease.acquire("backup schedule", holder: "b", ttl: .seconds(30)), "b takes the expired lease")
            #expect(try await !lease.acquire("backup schedule", holder: "a", ttl: .seconds(30)), "a, back, does not get it back")
        }
    }

    @Test func aReleasedLeaseIsFreeAtOnceAndOnlyItsHolderReleasesIt() async throws {
        try await Self.withEach { subject in
            let lease = subject.lease
            #expect(try await lease.acquire("drift checks", holder: "a", ttl: .seconds(60)))
            try await lease.release("drift checks", holder: "b")
            #expect(try await !lease.acquire("drift checks", holder: "b", ttl: .seconds(60)), "b's release freed nothing")
            try await lease.release("drift checks", holder: "a")
            #expect(try await lease.acquire("drift checks", holder: "b", ttl: .seconds(60)))
        }
    }

    @Test func holdersRacingForAFreeLeaseOnPostgreSQLGetExactlyOneWinner() async throws {
        try await TestDatabase.with(maxConnections: 8) { database in
            for round in 0..<5 {
                let leases = (0..<8).map { _ in PostgresScheduleLease(pool: database.pool) }
                let won = try await withThrowingTaskGroup(of: Bool.self) { group in
                    for (index, lease) in leases.enumerated() {
                        group.addTask { try await lease.acquire("race \(round)", holder: "h\(index)", ttl: .seconds(30)) }
                    }
                    return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
                }
                #expect(won == 1, "round \(round): \(won) winners")
            }
        }
    }
}

/// `LeasedService` over PostgreSQL: two replicas' schedules, one runs; when the holder stops
/// reaching the lease (its process is gone, or cut off), its schedule stops and the other's
/// starts within the TTL. Real time (TTL 3 s): the lease expires by the database's clock.
@Suite("Leased schedules", .timeLimit(.minutes(2)))
struct LeasedServiceTests {
    /// A schedule that notes whether it is running.
    final class Schedule: Service {
        let running = Mutex(false)
        let runs = Mutex(0)

        func run() async throws {
            running.withLock { $0 = true }
            runs.withLock { $0 += 1 }
            defer { running.withLock { $0 = false } }
            while !Task.isCancelled { try? await Task.sleep(for: .seconds(60)) }
        }

        var isRunning: Bool { running.withLock { $0 } }
    }

    /// A replica's view of the lease store that can be cut off (its process frozen, or its
    /// network gone): then every call fails, and it can neither renew nor release.
    final class Severable: ScheduleLease {
        let base: any ScheduleLease
        let cut = Mutex(false)

        init(_ base: any ScheduleLease) { self.base = base }

        func acquire(_ name: String, holder: String, ttl: Duration) async throws -> Bool {
            if cut.withLock({ $0 }) { throw CancellationError() }
            return try await base.acquire(name, holder: holder, ttl: ttl)
        }

        func release(_ name: String, holder: String) async throws {
            if cut.withLock({ $0 }) { throw CancellationError() }
            try await base.release(name, holder: holder)
        }
    }

    static func waitUntil(_ timeout: Duration, _ condition: () -> Bool) async throws -> Duration? {
        let start = ContinuousClock.now
        while ContinuousClock.now - start < timeout {
            if condition() { return ContinuousClock.now - start }
            try await Task.sleep(for: .milliseconds(20))
        }
        return nil
    }

    @Test func oneReplicaRunsTheScheduleAndTheOtherTakesOverWithinTheTTLWhenItIsCutOff() async throws {
        try await TestDatabase.with { database in
            // Renewals every second: two seconds of slack for a loaded machine.
            let ttl = Duration.seconds(3)
            var logger = Logger(label: "lease-test")
            logger.logLevel = .warning
            let leaseA = Severable(PostgresScheduleLease(pool: database.pool))
            let leaseB = Severable(PostgresScheduleLease(pool: database.pool))
            let (a, b) = (Schedule(), Schedule())
            let serviceA = LeasedService(
                a, lease: leaseA, name: "health checks", holder: "replica-a", ttl: ttl, clock: ContinuousClock(), logger: logger)
            let serviceB = LeasedService(
                b, lease: leaseB, name: "health checks", holder: "replica-b", ttl: ttl, clock: ContinuousClock(), logger: logger)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await serviceA.run() }
                // A starts first and takes the free lease; B arrives while A holds it.
                _ = try await Self.waitUntil(.seconds(5)) { a.isRunning }
                group.addTask { try await serviceB.run() }
                #expect(a.isRunning, "the first replica runs the schedule")
                // Several renewal periods: A keeps it by renewing, B never runs.
                for _ in 0..<6 {
                    try await Task.sleep(for: ttl / 3)
                    #expect(a.isRunning && !b.isRunning, "a: \(a.isRunning), b: \(b.isRunning)")
                }

                // A is cut off: its next renewal fails, its schedule stops; B takes the lease
                // once it has expired, within the TTL (and one try, TTL / 3) of A's last renewal.
                leaseA.cut.withLock { $0 = true }
                let stopped = try await Self.waitUntil(.seconds(5)) { !a.isRunning }
                #expect(stopped != nil, "a's schedule stopped when a could not renew")
                let tookOver = try await Self.waitUntil(.seconds(10)) { b.isRunning }
                let bound = ttl + ttl / 3 + .milliseconds(500)
                #expect(tookOver != nil && tookOver! <= bound, "b took over after \(String(describing: tookOver)), bound \(bound)")
                #expect(!a.isRunning, "never both")

                // A is back: B holds the lease now and keeps it; A does not start again.
                leaseA.cut.withLock { $0 = false }
                for _ in 0..<4 {
                    try await Task.sleep(for: ttl / 3)
                    #expect(b.isRunning && !a.isRunning, "a: \(a.isRunning), b: \(b.isRunning)")
                }
                #expect(a.runs.withLock { $0 } == 1 && b.runs.withLock { $0 } == 1)
                group.cancelAll()
            }
            // Cancelled (a graceful stop): the holder gave the lease up.
            #expect(try await PostgresScheduleLease(pool: database.pool).holder(of: "health checks") == nil)
        }
    }
}
