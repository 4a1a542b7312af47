import EventStore
import Foundation
import Postgres
import PostgresEvents
import PostgresReadModels
import Testing

/// The PostgreSQL projector fed by the log follower: batches fenced on its checkpoint, a gap
/// read from the database itself, a batch another replica already applied skipped.
@Suite("Projector batches", .timeLimit(.minutes(2)))
struct ProjectorBatchTests {
    static func requested(_ id: UUID, _ n: Int) -> NewEvent {
        let data = """
            {"storeId":"\(id.uuidString.lowercased())","name":"Shop \(n)","domain":"shop\(n).example.com",\
            "adminEmail":"a@example.com","plan":"small","requestedBy":"tester"}
            """
        return event("store.requested.v1", data)
    }

    static func rows(_ pool: PostgresPool) async throws -> [String: Int64] {
        var rows: [String: Int64] = [:]
        for row in try await pool.query("select name, version from store_view") {
            rows[try row.decode(String.self, "name")] = try row.decode(Int64.self, "version")
        }
        return rows
    }

    @Test func aGapBeforeADeliveredBatchIsReadFromTheLogAndNothingIsAppliedTwice() async throws {
        try await TestDatabase.with { database in
            let store = database.makeStore()
            for n in 0..<3 {
                let id = UUID()
                try await store.append(
                    to: try StreamID("store-\(id.uuidString.lowercased())"), expected: .noStream, events: [Self.requested(id, n)])
            }
            let delivered = try await readAllSettled(store, count: 3)
            try #require(delivered.count == 3)
            let projector = PostgresStoreProjector(pool: database.pool, logger: TestDatabase.logger, clock: ContinuousClock())
            #expect(try await projector.startCursor() == .start)
            // The follower claims to have delivered the first two already: the checkpoint
            // (start) is behind that, so the third batch must not be applied alone...
            await projector.followerStarted(after: delivered[1].cursor)
            await projector.consume([delivered[2]])
            #expect(try await Self.rows(database.pool) == [:])
            #expect(try await projector.startCursor() == .start)
            // ...and the projector's own service catches up from the log.
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await projector.run() }
                let deadline = ContinuousClock.now + .seconds(30)
                while try await projector.startCursor() < delivered[2].cursor, ContinuousClock.now < deadline {
                    let seen = projector.progress.generation
                    if try await projector.startCursor() >= delivered[2].cursor { break }
                    await projector.progress.wait(after: seen, timeout: .milliseconds(200), clock: ContinuousClock())
                }
                group.cancelAll()
            }
            #expect(try await Self.rows(database.pool) == ["Shop 0": 1, "Shop 1": 1, "Shop 2": 1])
            #expect(try await projector.startCursor() == delivered[2].cursor)

            // A second replica gets the same batches: the checkpoint has passed them.
            let replica = PostgresStoreProjector(pool: database.pool, logger: TestDatabase.logger, clock: ContinuousClock())
            await replica.followerStarted(after: .start)
            await replica.consume(delivered)
            #expect(try await Self.rows(database.pool) == ["Shop 0": 1, "Shop 1": 1, "Shop 2": 1])
            let applied = try await database.pool.query("select count(*) as n from store_view")
            #expect(try applied.first?.decode(Int.self, "n") == 3)
        }
    }
}
