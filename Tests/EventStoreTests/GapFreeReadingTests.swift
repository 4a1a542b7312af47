import EventStore
import Foundation
import Postgres
import PostgresEvents
import PostgresReadModels
import Synchronization
import Testing

/// Positions come from a sequence, so they are not in commit order: a transaction can draw a
/// lower position and commit after one with a higher position. These tests show that a reader
/// following the log by position would skip such events, and that ours never does.
@Suite("Gap-free reading", .timeLimit(.minutes(2)))
struct GapFreeReadingTests {
    @Test func aNaiveReaderByPositionSkipsAnEventCommittedLateButOursDeliversIt() async throws {
        try await TestDatabase.with { database in
            let store = database.makeStore(pollInterval: .milliseconds(50))
            try await following(store.subscribe(after: .start)) { inbox in
                let a = try await database.pool.openDedicatedConnection()
                let b = try await database.pool.openDedicatedConnection()

                // A appends first and draws the lower position, but stays open.
                try await a.query("BEGIN")
                let eventA = event()
                let appendedA = try await rawAppend(a, stream(), expected: 0, [eventA])
                // B appends after it, draws a higher position, and commits first.
                let eventB = event()
                let appendedB = try await b.withTransaction { try await rawAppend($0, stream(), expected: 0, [eventB]) }
                #expect(appendedA.position < appendedB.position)

                // A reader that follows `position > last` sees B and moves its checkpoint past A.
                let naive1 = try await naiveRead(database.pool, after: 0)
                #expect(naive1.map(\.id) == [eventB.id])
                // Ours sees nothing yet: B may not be read while A, older, is still running.
                #expect(try await store.readAll(after: .start, limit: 100).isEmpty)

                try await a.query("COMMIT")

                // The naive reader never sees A: its checkpoint is already past A's position.
                let naiveCheckpoint = try #require(naive1.last).position
                #expect(try await naiveRead(database.pool, after: naiveCheckpoint).isEmpty)
                let everything = try await naiveRead(database.pool, after: 0)
                #expect(everything.map(\.id) == [eventA.id, eventB.id], "A is in the table, below the checkpoint")

                // Ours delivers A, then B, through both readAll and a live subscription.
                let read = try await readAllSettled(store, count: 2)
                #expect(read.map(\.id) == [eventA.id, eventB.id])
                let delivered = try await inbox.waitFor(count: 2, "events")
                #expect(delivered.map(\.id) == [eventA.id, eventB.id])
                await a.close()
                await b.close()
            }
        }
    }

    /// Many writers in explicit transactions, some stalling before COMMIT, some holding the
    /// row lock of a shared stream while they stall, some rolling back, some appending through
    /// the store; a subscriber follows the whole time.
    @Test func aSubscriberSeesEveryCommittedEventOnceInOrderWhileWritersStallAndRollBack() async throws {
        let writers = 18
        let transactionsPerWriter = 8
        let seed = UInt64.random(in: 0...UInt64.max)
        try await TestDatabase.with(maxConnections: writers + 6) { database in
            let store = database.makeStore(pollInterval: .milliseconds(100))
            let ticks = Locked(0)
            let committed = Locked<[CommittedTransaction]>([])
            let rolledBack = Locked<Set<UUID>>([])
            let hot = stream("hot")

            let delivered = try await following(store.subscribe(after: .start)) { inbox in
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for writer in 0..<writers {
                        group.addTask {
                            var random = SplitMix64(seed: seed &+ UInt64(writer))
                            let own = stream("w\(writer)")
                            var version: Int64 = 0
                            for round in 0..<transactionsPerWriter {
                                let events = (0...Int.random(in: 0...2, using: &random)).map { _ in
                                    event("test.gap.v1", #"{"writer":\#(writer),"round":\#(round)}"#)
                                }
                                let stall = Int.random(in: 50...800, using: &random)
                                // Every writer has one behaviour; a few rounds of each do another.
                                let kind = round == 7 ? (writer + 1) % 4 : writer % 4
                                switch kind {
                                case 0, 1:  // stall before COMMIT; kind 1 holds the hot stream's row lock
                                    let target = kind == 1 ? hot : own
                                    let expected: Int64 = kind == 1 ? -1 : version
                                    let sent = Locked(0)
                                    let first = try await database.pool.withTransaction { connection in
                                        let first = try await rawAppend(connection, target, expected: expected, events)
                                        // The hot stream's lock holders stall less: they queue behind each other.
                                        let seconds = Double(kind == 1 ? stall / 3 : stall) / 1000
                                        try await connection.query("select pg_sleep(\(seconds))")
                                        sent.withLock {
                                            $0 = ticks.withLock {
                                                $0 += 1
                                                return $0
                                            }
                                        }
                                        return first
                                    }
                                    let done = ticks.withLock {
                                        $0 += 1
                                        return $0
                                    }
                                    if kind == 0 { version += Int64(events.count) }
                                    committed.withLock {
                                        $0.append(.init(first: first, events: events, sent: sent.value, done: done))
                                    }
                                case 2:  // append, maybe stall, then fail: nothing may be seen
                                    do {
                                        try await database.pool.withTransaction { connection in
                                            _ = try await rawAppend(connection, own, expected: version, events)
                                            if round.isMultiple(of: 2) {
                                                try await connection.query("select pg_sleep(\(Double(stall) / 2000))")
                                            }
                                            throw DeliberateRollback()
                                        }
                                    } catch is DeliberateRollback {
                                        rolledBack.withLock { $0.formUnion(events.map(\.id)) }
                                    }
                                default:  // the store's own append, with the exact expected version
                                    let sent = ticks.withLock {
                                        $0 += 1
                                        return $0
                                    }
                                    let result = try await store.append(
                                        to: own, expected: version == 0 ? .noStream : .exact(version), events: events)
                                    let done = ticks.withLock {
                                        $0 += 1
                                        return $0
                                    }
                                    version += Int64(events.count)
                                    committed.withLock {
                                        $0.append(
                                            .init(first: result.firstCursor, events: events, sent: sent, done: done))
                                    }
                                }
                            }
                        }
                    }
                    try await group.waitForAll()
                }

                // Every writer is done: the table holds the truth, in log order.
                let stored = try await database.pool.query(
                    "select event_id from events order by transaction_id, position"
                ).map { try $0.decode(UUID.self, "event_id") }
                let received = try await inbox.waitFor(count: stored.count, timeout: .seconds(30), "events")
                #expect(received.count == stored.count, "seed \(seed)")
                #expect(received.map(\.id) == stored, "every committed event once, in log order (seed \(seed))")
                return received
            }

            let transactions = committed.value
            let expectedIDs = Set(transactions.flatMap { $0.events.map(\.id) })
            let deliveredIDs = delivered.map(\.id)
            #expect(Set(deliveredIDs) == expectedIDs, "seed \(seed)")
            #expect(Set(deliveredIDs).count == deliveredIDs.count, "no event twice")
            #expect(zip(delivered, delivered.dropFirst()).allSatisfy { $0.cursor < $1.cursor }, "strictly increasing")

            let failed = rolledBack.value
            #expect(!failed.isEmpty)
            #expect(failed.isDisjoint(with: deliveredIDs), "a rolled-back event was delivered")

            // Transactions that drew a lower position yet committed after another transaction
            // with a higher position had finished committing: a position-following reader would
            // have skipped them. They must exist, and they were delivered.
            let overtaken = transactions.filter { late in
                transactions.contains { early in early.first.position > late.first.position && early.done < late.sent }
            }
            #expect(overtaken.count >= 5, "the writers did not produce enough late commits (seed \(seed))")
            let deliveredSet = Set(deliveredIDs)
            #expect(overtaken.allSatisfy { $0.events.allSatisfy { deliveredSet.contains($0.id) } })

            // Nothing is left to read after the last delivered event.
            let last = try #require(delivered.last)
            #expect(try await store.readAll(after: last.cursor, limit: 10).isEmpty)
        }
    }
}

/// One committed append as the test saw it: `sent` before COMMIT was sent, `done` after it
/// returned, both ticks of one counter.
struct CommittedTransaction: Sendable {
    var first: LogCursor
    var events: [NewEvent]
    var sent: Int
    var done: Int
}

/// Calls `urumi_append` directly on `connection` (inside whatever transaction it is in) and
/// returns the cursor of the first event. `expected`: -1 any, 0 no stream, n exact.
func rawAppend(_ connection: PostgresConnection, _ stream: StreamID, expected: Int64, _ events: [NewEvent])
    async throws -> LogCursor
{
    let json = try String(
        decoding: JSONSerialization.data(
            withJSONObject: events.map { event -> [String: Any] in
                [
                    "id": event.id.uuidString.lowercased(), "type": event.type,
                    "data": try JSONSerialization.jsonObject(with: Data(event.data.utf8)),
                    "metadata": ["actor": event.metadata.actor],
                ]
            }), as: UTF8.self)
    let row = try #require(
        try await connection.query(
            """
            select * from urumi_append(\(stream.rawValue), \(expected), \(json)::jsonb, null, null, \
            '{}'::text[], '{}'::text[])
            """
        ).first)
    return LogCursor(
        transactionID: try row.decode(UInt64.self, "first_txid"), position: try row.decode(Int64.self, "first_position")
    )
}

/// What a reader that trusts positions to be commit-ordered would read.
func naiveRead(_ pool: PostgresPool, after position: Int64) async throws -> [(id: UUID, position: Int64)] {
    try await pool.query("select event_id, position from events where position > \(position) order by position")
        .map { (try $0.decode(UUID.self, "event_id"), try $0.decode(Int64.self, "position")) }
}

/// A small seeded generator, so a failing run can be repeated from its seed.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
