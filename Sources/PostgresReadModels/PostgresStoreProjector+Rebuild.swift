import EventStore
import Foundation
import Postgres
import PostgresEvents
import Provisioning

extension PostgresStoreProjector {
    /// Advisory lock key held (for the session) by the one online rebuild that may run at a time.
    static let rebuildLockKey: Int64 = 0x7572_756D_6933

    /// Replays the whole log into empty read models, in one transaction (a running projector
    /// waits on the advisory lock meanwhile, and so do readers' read-your-writes); returns the
    /// number of events replayed.
    public static func rebuild(pool: PostgresPool, batchSize: Int = 1000) async throws -> Int {
        try await pool.withTransaction { connection in
            try await connection.query("select pg_advisory_xact_lock(\(lockKey))")
            try await connection.query("delete from store_view")
            try await connection.query("delete from saga_queue")
            var cursor = LogCursor.start
            var count = 0
            while true {
                let batch = try await PostgresEventStore.readAll(on: connection, after: cursor, limit: batchSize)
                guard let last = batch.last else { break }
                try await apply(batch, on: connection)
                cursor = last.cursor
                count += batch.count
            }
            try await move(to: cursor, on: connection)
            return count
        }
    }

    /// What an online rebuild did.
    public struct OnlineRebuild: Sendable, Encodable {
        /// Events folded in all.
        public let events: Int
        /// Of which under the projector's lock, just before the swap (appended meanwhile).
        public let eventsAtSwap: Int
        /// Stores in the swapped-in store list.
        public let stores: Int
        /// Batches read during the catch-up, before the swap.
        public let batches: Int
        /// Where the time went: waiting for the log (reading overlaps folding, so this is
        /// what the fold did not hide), decoding and folding, writing the shadow, the swap.
        public let readSeconds: Double
        public let foldSeconds: Double
        public let writeSeconds: Double
        public let swapSeconds: Double
    }

    /// Errors of an online rebuild.
    public enum RebuildError: Error, CustomStringConvertible {
        case alreadyRunning

        public var description: String { "another online rebuild is running on this database" }
    }

    /// Builds the store list and the saga queue again from the whole log *beside* the live
    /// ones (shadow tables) while the service keeps serving and appending, then swaps them in
    /// at once. The catch-up reads without a transaction and takes no lock the service needs; the end (the events appended meanwhile, then the swap of rows and checkpoints)
    /// is one transaction under the projector's lock, so the live projector pauses only for
    /// it, and readers see the old list or the new one, never a half-built one. The process
    /// running it runs no saga: the shadow queue has no effect until it is swapped in.
    ///
    /// Folded states are kept in memory and each store's rows are written to the shadow once
    /// after the catch-up, by `COPY` (and again only if it changed before the swap), so a
    /// rebuild holds every store's state at once: about 3 KB a store.
    public static func rebuildOnline(pool: PostgresPool, batchSize: Int = 2000) async throws -> OnlineRebuild {
        try await pool.withConnection { connection in
            let locked = try await connection.query("select pg_try_advisory_lock(\(rebuildLockKey)) as locked")
            guard try locked.first?.decode(Bool.self, "locked") == true else { throw RebuildError.alreadyRunning }
            do {
                let report = try await rebuildOnline(on: connection, batchSize: batchSize)
                try await connection.query("select pg_advisory_unlock(\(rebuildLockKey))")
                return report
            } catch {
                if !connection.isBroken { _ = try? await connection.query("select pg_advisory_unlock(\(rebuildLockKey))") }
                throw error
            }
        }
    }

    /// Catch-up passes before the swap (whatever is left then is applied under the lock).
    static let catchUpPasses = 5

    /// The newest event a reader can see now.
    static func head(on connection: PostgresConnection) async throws -> LogCursor {
        let rows = try await connection.query(
            """
            select transaction_id, position from events
            where transaction_id < pg_snapshot_xmin(pg_current_snapshot())
            order by transaction_id desc, position desc limit 1
            """)
        guard let row = rows.first else { return .start }
        return LogCursor(
            transactionID: try row.decode(UInt64.self, "transaction_id"), position: try row.decode(Int64.self, "position"))
    }

    private static func rebuildOnline(on connection: PostgresConnection, batchSize: Int) async throws -> OnlineRebuild {
        try await connection.query("select urumi_rebuild_begin()")
        let clock = ContinuousClock()
        var timings = Timings()
        var states: [StoreID: StoreState] = [:]
        var dirty = Set<StoreID>()
        var cursor = LogCursor.start
        var events = 0
        var batches = 0
        /// Folds a batch read (with its keys) into the states: decoded on every core, then
        /// applied in order.
        func fold(_ batch: ReadBatch) async throws {
            guard let last = batch.events.last else { return }
            let folding = clock.now
            let decoded = try await batch.decoded()
            dirty.formUnion(StoreProjection.apply(batch.events, decoded: decoded, to: &states))
            timings.fold += clock.now - folding
            cursor = last.cursor
        }
        /// Reads the batch after `cursor`, timed.
        func read(_ connection: PostgresConnection) async throws -> ReadBatch {
            let started = clock.now
            defer { timings.read += clock.now - started }
            return try await ReadBatch.read(on: connection, after: cursor, limit: batchSize)
        }
        // Catch up in passes, each to the head as it was when the pass began (so a pass ends
        // however fast writers append), folding in memory; stop when a pass had little to do,
        // or after a few. The next batch is read (on the connection's own thread, with its
        // keys) while this one is folded: reading and folding overlap.
        for _ in 0..<Self.catchUpPasses {
            let target = try await head(on: connection)
            var folded = 0
            var next = cursor < target ? try await read(connection) : nil
            while let batch = next, let last = batch.events.last {
                async let ahead = last.cursor < target
                    ? ReadBatch.read(on: connection, after: last.cursor, limit: batchSize) : nil
                try await fold(batch)
                folded += batch.events.count
                batches += 1
                let waiting = clock.now
                next = try await ahead
                timings.read += clock.now - waiting
            }
            events += folded
            if folded < batchSize { break }
        }
        // Every store's rows, written to the empty shadow once, by COPY.
        let writing = clock.now
        try await connection.withTransaction { connection in
            try await copy(dirty.sorted().map { states[$0]! }, on: connection)
            try await move(to: cursor, on: connection, names: Tables.shadow.checkpoints)
        }
        dirty.removeAll()
        timings.write += clock.now - writing
        // The rest, and the swap, under the projector's lock.
        let atSwap = try await connection.withTransaction { connection -> Int in
            try await connection.query("select pg_advisory_xact_lock(\(lockKey))")
            var count = 0
            while true {
                let batch = try await read(connection)
                if batch.events.isEmpty { break }
                try await fold(batch)
                count += batch.events.count
            }
            let writing = clock.now
            try await write(dirty.sorted().map { states[$0]! }, on: connection, in: .shadow, movingCheckpointTo: cursor)
            timings.write += clock.now - writing
            let swapping = clock.now
            try await connection.query("select urumi_rebuild_swap()")
            timings.swap = clock.now - swapping
            return count
        }
        return OnlineRebuild(
            events: events + atSwap, eventsAtSwap: atSwap, stores: states.count, batches: batches,
            readSeconds: timings.read.seconds, foldSeconds: timings.fold.seconds, writeSeconds: timings.write.seconds,
            swapSeconds: timings.swap.seconds)
    }

    /// Writes the rows of `states` into the empty shadow tables with `COPY`: chunks encoded on
    /// every core, each sent as soon as it is ready, while the next ones are encoded.
    private static func copy(_ states: [StoreState], on connection: PostgresConnection) async throws {
        // Compressed with LZ4 where the server has it (for this transaction only): PostgreSQL
        // compresses every TOASTed `view_text` and `state`, and pglz costs about a third more
        // of the write's time. The swap copies the compressed values into the live tables as
        // they are; readers decompress either kind.
        try await connection.query(
            """
            select set_config('default_toast_compression', 'lz4', true) from pg_settings
             where name = 'default_toast_compression' and 'lz4' = any(enumvals)
            """)
        let chunk = 250
        var queue: [PostgresCopyRows] = []
        try await connection.copy("copy store_view_next (\(unsafeRaw: CopyRows.viewColumns)) from stdin") { send in
            try await withThrowingTaskGroup(of: CopyRows.self) { group in
                for start in stride(from: 0, to: states.count, by: chunk) {
                    let part = Array(states[start..<min(start + chunk, states.count)])
                    group.addTask { CopyRows(try StoreRow.make(part)) }
                }
                for try await rows in group {
                    try await send(rows.view)
                    queue.append(rows.queue)
                }
            }
        }
        try await connection.copy("copy saga_queue_next (\(unsafeRaw: CopyRows.queueColumns)) from stdin") { send in
            for rows in queue { try await send(rows) }
        }
    }

    /// A batch of the log read ahead, with the keys its sealed fields need (read on the same
    /// connection, so the fold needs no round trip of its own).
    private struct ReadBatch: Sendable {
        let events: [RecordedEvent]
        let keys: any PersonalKeyRing

        static func read(on connection: PostgresConnection, after cursor: LogCursor, limit: Int) async throws -> ReadBatch {
            let events = try await PostgresEventStore.readAll(on: connection, after: cursor, limit: limit)
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
    }

    private struct Timings {
        var read = Duration.zero
        var fold = Duration.zero
        var write = Duration.zero
        var swap = Duration.zero
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
