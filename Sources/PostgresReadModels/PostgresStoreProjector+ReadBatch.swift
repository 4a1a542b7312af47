import EventStore
import Foundation
import Postgres
import PostgresEvents
import Provisioning

extension PostgresStoreProjector {
    /// A batch of the log read ahead, with the keys its sealed fields need (read on the same
    /// connection, so the fold needs no round trip of its own).
    struct ReadBatch: Sendable {
        let events: [RecordedEvent]
        let keys: any PersonalKeyRing

        /// The batch after `cursor`; with `bound`, only its events up to `bound` (the first
        /// half of a split pass must stop exactly where the second begins).
        static func read(
            on connection: PostgresConnection, after cursor: LogCursor, limit: Int, upTo bound: LogCursor? = nil
        ) async throws -> ReadBatch
        {
            var events = try await PostgresEventStore.readAll(on: connection, after: cursor, limit: limit)
            if let bound, let end = events.firstIndex(where: { $0.cursor > bound }) { events.removeSubrange(end...) }
            return ReadBatch(events: events, keys: try await PostgresStoreProjector.keys(for: events, on: connection))
        }

        /// The events decoded, in parts on as many tasks as there are cores (decoding is pure;
        /// applying is not, and stays in order).
        func decoded() async throws -> [StoreEvent?] {
            let parts = max(1, min(ProcessInfo.processInfo.activeProcessorCount, events.count / 200))
            let size = (events.count + parts - 1) / parts
            return try await withThrowingTaskGroup(of: (Int, [StoreEvent?]).self) { group in
                for part in 0..<parts {
                    let slice = events[part * size..<min((part + 1) * size, events.count)]
                    group.addTask { (part, try StoreProjection.decode(slice, keys: keys)) }
                }
                var results = [[StoreEvent?]](repeating: [], count: parts)
                for try await (part, decoded) in group { results[part] = decoded }
                return results.flatMap { $0 }
            }
        }

        /// Reads and decodes every batch after `cursor` until one reaches `target` (the last
        /// may go past it), the next read while this one is decoded: the second half of a
        /// split pass, held until the first half is folded (applying must stay in log order).
        static func readDecoded(
            on connection: PostgresConnection, after cursor: LogCursor, through target: LogCursor, limit: Int
        ) async throws -> [(batch: ReadBatch, decoded: [StoreEvent?])]
        {
            var result: [(batch: ReadBatch, decoded: [StoreEvent?])] = []
            var next: ReadBatch? = try await read(on: connection, after: cursor, limit: limit)
            while let batch = next, let last = batch.events.last {
                async let ahead = last.cursor < target ? read(on: connection, after: last.cursor, limit: limit) : nil
                result.append((batch, try await batch.decoded()))
                next = try await ahead
            }
            return result
        }
    }

    /// An event about halfway (by position) between `cursor` and `target`, where a pass is
    /// split between two connections; nil when the range is too short to be worth it. Both
    /// halves lie at or below the pass's head, so neither changes while it is read.
    static func middle(
        after cursor: LogCursor, before target: LogCursor, minimum: Int, on connection: PostgresConnection
    ) async throws -> LogCursor?
    {
        guard target.position - cursor.position >= Int64(2 * minimum) else { return nil }
        let middle = cursor.position + (target.position - cursor.position) / 2
        let rows = try await connection.query(
            """
            select transaction_id, position from events
            where position >= \(middle)
              and (transaction_id, position) > (\(cursor.transactionID)::xid8, \(cursor.position)::bigint)
              and (transaction_id, position) < (\(target.transactionID)::xid8, \(target.position)::bigint)
            order by position limit 1
            """)
        guard let row = rows.first else { return nil }
        return LogCursor(
            transactionID: try row.decode(UInt64.self, "transaction_id"), position: try row.decode(Int64.self, "position"))
    }
}
