import Foundation
import Postgres
import Testing

/// Two `urumi serve` replicas on one database: one runs the health-check schedule (it holds the
/// schedule's lease, `schedule_leases`); SIGKILL it, and the other takes the schedule over
/// within the lease's TTL.
@Suite("Schedule lease failover", .timeLimit(.minutes(3)))
struct ScheduleLeaseFailoverTests {
    static let taken = "schedule lease taken: this replica runs the health checks"

    static func holder(_ database: ServerDatabase) async throws -> String? {
        let rows = try await database.pool.query(
            "select holder from schedule_leases where name = 'health checks' and expires_at > now()")
        return try rows.first?.decode(String.self, "holder")
    }

    @Test func whenTheReplicaThatRunsTheScheduleIsKilledTheOtherTakesOverWithinTheTTL() async throws {
        try await ServerDatabase.with { database in
            let arguments = ["--sim-latency", "0", "--health-interval", "1s", "--drift-interval", "0", "--schedule-lease-ttl", "4s"]
            let first = try await UrumiProcess(databaseURL: database.url, arguments: arguments)
            defer { first.stop() }
            let second = try await UrumiProcess(databaseURL: database.url, arguments: arguments)
            defer { second.stop() }

            // One of them leads (the first, most likely, but either is right); the other waits.
            var start = ContinuousClock.now
            while !first.log.contains(Self.taken) && !second.log.contains(Self.taken) {
                if ContinuousClock.now - start > .seconds(10) { throw ProcessFailure.failed("nobody took the lease:\n\(first.log.suffix(2000))") }
                try await Task.sleep(for: .milliseconds(50))
            }
            let (leader, follower) = first.log.contains(Self.taken) ? (first, second) : (second, first)
            // Three renewal periods and more: the follower never takes it while the leader renews.
            try await Task.sleep(for: .seconds(5))
            #expect(!follower.log.contains(Self.taken), "both ran the schedule:\n\(follower.log.suffix(2000))")
            let leading = try #require(try await Self.holder(database))
            #expect(leader.log.contains(leading), "the lease's holder \(leading) is the leader")

            leader.kill()
            start = ContinuousClock.now
            while !follower.log.contains(Self.taken) {
                if ContinuousClock.now - start > .seconds(15) { break }
                try await Task.sleep(for: .milliseconds(50))
            }
            let tookOver = ContinuousClock.now - start
            #expect(follower.log.contains(Self.taken), "no takeover:\n\(follower.log.suffix(2000))")
            // TTL 4 s, tried every 4/3 s; a second and a half more for the log line to reach the file.
            #expect(tookOver <= .seconds(7), "took over after \(tookOver)")
            let now = try #require(try await Self.holder(database))
            #expect(now != leading && follower.log.contains(now), "the lease is the follower's: \(now)")
        }
    }
}
