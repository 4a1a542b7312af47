import Foundation
import Postgres
import Synchronization
import Testing

/// The bounded pool: its limit, its queue, and what it does with broken connections.
@Suite("Postgres pool", .timeLimit(.minutes(1)))
struct PostgresPoolTests {
    @Test func neverOpensMoreThanItsLimitForTwentyConcurrentUsers() async throws {
        try await TestDatabase.with { database in
            let name = "urumi-pool-\(UUID().uuidString.prefix(8))"
            let pool = database.makePool(maxConnections: 4, applicationName: name)
            let mostOpen = Locked(0)
            let mostOnServer = Locked(0)
            let served = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<20 {
                    group.addTask {
                        for _ in 0..<5 {
                            try await pool.withConnection { connection in
                                let open = pool.stats.open
                                mostOpen.withLock { $0 = max($0, open) }
                                let onServer =
                                    try await connection.query(
                                        """
                                        select count(*) as n, pg_sleep(0.005) from pg_stat_activity
                                        where application_name = \(name)
                                        """
                                    ).first?.decode(Int.self, "n") ?? 0
                                mostOnServer.withLock { $0 = max($0, onServer) }
                            }
                        }
                        return 5
                    }
                }
                return try await group.reduce(0, +)
            }
            #expect(served == 100)
            #expect(mostOpen.withLock { $0 } == 4)
            #expect(mostOnServer.withLock { $0 } == 4, "the server never saw more than 4 sessions")
            #expect(counts(pool) == [4, 4, 0], "open, idle, waiting")
            await pool.close()
            #expect(pool.stats.open == 0)
        }
    }

    @Test func waitersAreServedInArrivalOrder() async throws {
        try await TestDatabase.with { database in
            let pool = database.makePool(maxConnections: 1)
            let gate = Gate()
            let order = Inbox<Int>()
            try await withThrowingTaskGroup(of: Void.self) { group in
                let holding = Inbox<Void>()
                group.addTask {
                    try await pool.withConnection { _ in
                        holding.append(())
                        await gate.wait()
                    }
                }
                try await holding.waitFor(count: 1)
                for index in 0..<8 {
                    group.addTask { try await pool.withConnection { _ in order.append(index) } }
                    try await eventually("waiter \(index) to queue") { pool.stats.waiting == index + 1 }
                }
                gate.open()
                try await group.waitForAll()
            }
            #expect(order.contents == Array(0..<8))
            #expect(counts(pool) == [1, 1, 0], "open, idle, waiting")
            await pool.close()
        }
    }

    @Test func cancellingWaitersLeaksNoSlot() async throws {
        try await TestDatabase.with { database in
            let pool = database.makePool(maxConnections: 1)
            let gate = Gate()
            let holding = Inbox<Void>()
            let holder = Task {
                try await pool.withConnection { _ in
                    holding.append(())
                    await gate.wait()
                }
            }
            try await holding.waitFor(count: 1)
            var waiters: [Task<Int, any Error>] = []
            for index in 0..<6 {
                waiters.append(Task { try await pool.withConnection { _ in index } })
                try await eventually("waiter \(index) to queue") { pool.stats.waiting == index + 1 }
            }
            // Cancel every other waiter while they wait.
            for index in stride(from: 0, to: 6, by: 2) { waiters[index].cancel() }
            try await eventually("the cancelled waiters to leave the queue") { pool.stats.waiting == 3 }
            gate.open()
            try await holder.value
            for (index, waiter) in waiters.enumerated() {
                let result = await Result { try await waiter.value }
                if index.isMultiple(of: 2) {
                    #expect(throws: CancellationError.self) { try result.get() }
                } else {
                    #expect(try result.get() == index)
                }
            }
            #expect(counts(pool) == [1, 1, 0], "open, idle, waiting")
            // The slot is still usable, as often as needed.
            for _ in 0..<3 { try await pool.query("select 1") }
            #expect(pool.stats.open == 1)
            await pool.close()
        }
    }

    @Test func aConnectionKilledByTheServerIsDiscardedAndTheNextUseWorks() async throws {
        try await TestDatabase.with { database in
            let pool = database.makePool(maxConnections: 1)
            let pid = try #require(
                try await pool.query("select pg_backend_pid() as pid").first?.decode(Int32.self, "pid"))
            let killed = try await database.pool.query("select pg_terminate_backend(\(pid), 5000) as killed")
            #expect(try killed.first?.decode(Bool.self, "killed") == true)

            // The idle connection is dead; the pool notices before lending it and opens another.
            let next = try #require(
                try await pool.query("select pg_backend_pid() as pid").first?.decode(Int32.self, "pid"))
            #expect(next != pid)
            #expect(counts(pool) == [1, 1, 0], "open, idle, waiting")

            // A connection killed while lent out fails that use only; the one after works.
            let lost = await #expect(throws: PostgresError.self) {
                try await pool.withConnection { connection in
                    try await database.pool.query("select pg_terminate_backend(\(next), 5000)")
                    try await connection.query("select 1")
                }
            }
            #expect(lost?.isTransient == true)
            #expect(pool.stats.open == 0, "the broken connection gave its slot back")
            #expect(try await pool.query("select 1 as one").first?.decode(Int.self, "one") == 1)
            #expect(counts(pool) == [1, 1, 0], "open, idle, waiting")
            await pool.close()
        }
    }
}

/// A pool's open, idle and waiting counts.
func counts(_ pool: PostgresPool) -> [Int] {
    let stats = pool.stats
    return [stats.open, stats.idle, stats.waiting]
}
