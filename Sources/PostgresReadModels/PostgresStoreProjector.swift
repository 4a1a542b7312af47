import EventStore
import Foundation
import Logging
import Postgres
import PostgresEvents
import PostgresPersonalData
import Provisioning
import ServiceLifecycle
import Synchronization

/// Projects store events into `store_view` (the store list) and `saga_queue` (what the
/// coordinator needs), from the batches of the process's `LogFollower`.
///
/// Each batch is one transaction: it takes the projector's advisory lock, reads the
/// checkpoint, writes the rows of the events after it and moves both checkpoints. The
/// checkpoint in the database is the only cursor, so the projector never misses or repeats
/// an event, also with several replicas running it (the second one finds the checkpoint
/// moved and skips what is already applied) or a rebuild running beside it. When the
/// checkpoint is behind what the follower delivered before (a gap), it reads the missing
/// events itself, inside its transaction (`runBatch`).
public final class PostgresStoreProjector: LogConsumer, Service {
    static let names = ["store_view", "saga_queue"]
    /// Advisory lock key of this projector (an arbitrary constant).
    static let lockKey: Int64 = 0x7572_756D_6932

    let pool: PostgresPool
    let logger: Logger
    let batchSize: Int
    let clock: any Clock<Duration>
    /// Bumped after every batch that moved the checkpoint (read-your-writes, coordinator).
    public let progress = WakeSignal()
    /// The cursor up to which the follower has delivered events.
    private let delivered = Mutex<LogCursor?>(nil)
    /// Set (and `behind` bumped) when a delivered batch was not applied: `run` catches up.
    private let needsCatchUp = Mutex(false)
    private let behind = WakeSignal()

    public init(pool: PostgresPool, logger: Logger, clock: any Clock<Duration>, batchSize: Int = 500) {
        self.pool = pool
        self.logger = logger
        self.clock = clock
        self.batchSize = batchSize
    }

    /// Where the follower must start for this projector: its checkpoint.
    public func startCursor() async throws -> LogCursor {
        try await Self.checkpoint(pool: pool)
    }

    public func followerStarted(after cursor: LogCursor) async {
        delivered.withLock { $0 = cursor }
    }

    /// Never holds the follower (and with it SSE and the coordinator) back: one attempt, with
    /// a try-lock; when the lock is taken (another replica, a rebuild), the database is down or
    /// the batch fails, the projector marks itself behind and its own service (`run`) catches
    /// up from the log, in its own task.
    public func consume(_ batch: [RecordedEvent]) async {
        guard let last = batch.last?.cursor else { return }
        // What has been handed over, applied or not: a later batch that finds the checkpoint
        // behind this knows there is a gap and never applies its own events over it.
        let before = delivered.withLock { cursor -> LogCursor in
            defer { cursor = max(cursor ?? .start, last) }
            return cursor ?? .start
        }
        do {
            if try await project(batch, after: before) { return }
        } catch {
            logger.warning("projector batch failed; catching up from the log", metadata: ["error": "\(error)"])
        }
        needsCatchUp.withLock { $0 = true }
        behind.bump()
    }

    /// Catches up from the log whenever a delivered batch could not be applied, retrying with
    /// backoff on the injected clock.
    public func run() async throws {
        await cancelWhenGracefulShutdown {
            var failures = 0
            while !Task.isCancelled {
                let seen = self.behind.generation
                if self.needsCatchUp.withLock({ pending in defer { pending = false }; return pending }) {
                    do {
                        while try await self.runBatch() > 0 {}
                        failures = 0
                    } catch {
                        failures += 1
                        if failures == 1 || failures % 20 == 0 {
                            self.logger.warning("projector catch-up failed; retrying", metadata: ["error": "\(error)"])
                        }
                        self.needsCatchUp.withLock { $0 = true }
                        await Backoff.reconnect.sleep(afterAttempt: failures, on: self.clock)
                        continue
                    }
                }
                await self.behind.wait(after: seen, timeout: .seconds(3600), clock: self.clock)
            }
        }
    }

    /// Applies the events of `batch` that the checkpoint has not passed, in one transaction
    /// (five round trips whatever its size: begin + try-lock, checkpoint, states, writes,
    /// commit). False when it could not (the lock is held elsewhere, or a gap lies between
    /// the checkpoint and `before`, the cursor the batch follows).
    func project(_ batch: [RecordedEvent], after before: LogCursor) async throws -> Bool {
        guard let last = batch.last?.cursor else { return true }
        let caughtUp = try await pool.withConnection { connection -> LogCursor? in
            try await connection.query("begin")
            do {
                let locked = try await connection.query("select pg_try_advisory_xact_lock(\(Self.lockKey)) as locked")
                guard try locked.first?.decode(Bool.self, "locked") == true else {
                    try await connection.query("rollback")
                    return nil
                }
                let checkpoint = try await Self.checkpoint(on: connection)
                guard checkpoint >= before else {
                    // A gap: events between the checkpoint and this batch were never applied.
                    try await connection.query("rollback")
                    return nil
                }
                let fresh = batch.filter { $0.cursor > checkpoint }
                if !fresh.isEmpty { try await Self.apply(fresh, on: connection, movingCheckpointTo: last) }
                try await connection.query("commit")
                return max(checkpoint, last)
            } catch {
                if !connection.isBroken { _ = try? await connection.query("rollback") }
                throw error
            }
        }
        guard let caughtUp else { return false }
        noteCheckpoint(caughtUp)
        return true
    }

    private func noteCheckpoint(_ checkpoint: LogCursor) {
        // Wake waiters when the checkpoint moved, by us or by another replica's projector.
        let moved = lastSeen.withLock { seen -> Bool in
            defer { seen = checkpoint }
            return seen != checkpoint
        }
        if moved { progress.bump() }
    }

    /// Reads and applies one batch from the database itself (catching up after a gap, tests);
    /// returns how many events it applied. Six round trips whatever the batch size: begin +
    /// lock, checkpoint, events (through the event store's reader, on this connection),
    /// states, all writes, commit.
    @discardableResult
    public func runBatch() async throws -> Int {
        let (applied, checkpoint) = try await pool.withConnection { connection -> (Int, LogCursor) in
            try await connection.execute(unsafeScript: "begin; select pg_advisory_xact_lock(\(Self.lockKey))")
            do {
                let checkpoint = try await Self.checkpoint(on: connection)
                let batch = try await PostgresEventStore.readAll(on: connection, after: checkpoint, limit: batchSize)
                var after = checkpoint
                if let last = batch.last {
                    try await Self.apply(batch, on: connection, movingCheckpointTo: last.cursor)
                    after = last.cursor
                }
                try await connection.query("commit")
                return (batch.count, after)
            } catch {
                if !connection.isBroken { _ = try? await connection.query("rollback") }
                throw error
            }
        }
        noteCheckpoint(checkpoint)
        return applied
    }

    private let lastSeen = Mutex(LogCursor.start)

    static func checkpoint(on connection: PostgresConnection) async throws -> LogCursor {
        let rows = try await connection.query(
            "select txid, position from projection_checkpoints where name = \(names[0])")
        guard let row = rows.first else { return .start }
        return LogCursor(transactionID: try row.decode(UInt64.self, "txid"), position: try row.decode(Int64.self, "position"))
    }

    static func checkpoint(pool: PostgresPool) async throws -> LogCursor {
        try await pool.withConnection { try await checkpoint(on: $0) }
    }

    /// The tables a projection writes: the live read models, or the shadow ones an online
    /// rebuild fills beside them (`schema/0031_projection_rebuild.sql`). Fixed names only.
    struct Tables: Sendable {
        let view: String
        let queue: String
        /// The checkpoint rows moved with the rows.
        let checkpoints: [String]

        static let live = Tables(view: "store_view", queue: "saga_queue", checkpoints: names)
        static let shadow = Tables(view: "store_view_next", queue: "saga_queue_next", checkpoints: ["rebuild"])
    }

    /// Folds `batch` into the stored states of the stores it touches and writes the rows (and
    /// the checkpoint, when given) in one statement.
    static func apply(
        _ batch: [RecordedEvent], on connection: PostgresConnection, movingCheckpointTo checkpoint: LogCursor? = nil
    ) async throws {
        let ids = StoreProjection.storeIDs(in: batch)
        guard !ids.isEmpty else {
            if let checkpoint { try await move(to: checkpoint, on: connection) }
            return
        }
        var states = try await states(of: ids, on: connection, in: .live)
        let changed = try await fold(batch, into: &states, on: connection)
        try await write(changed.map { states[$0]! }, on: connection, in: .live, movingCheckpointTo: checkpoint)
    }

    /// The stored states of `ids` in `tables`.
    static func states(of ids: Set<StoreID>, on connection: PostgresConnection, in tables: Tables) async throws
        -> [StoreID: StoreState]
    {
        var states: [StoreID: StoreState] = [:]
        let rows = try await connection.query(
            "select state::text as state from \(unsafeRaw: tables.view) where store_id = any(\(ids.map(\.uuid))::uuid[])")
        for row in rows {
            let state = try StoreProjection.decode(try row.decode(String.self, "state"))
            states[state.id] = state
        }
        return states
    }

    /// Folds `batch` into `states`, opening sealed fields with the keys read on `connection`;
    /// returns the stores that changed.
    static func fold(_ batch: [RecordedEvent], into states: inout [StoreID: StoreState], on connection: PostgresConnection)
        async throws -> Set<StoreID>
    {
        // The keys of the stores whose events hold sealed fields, read in this transaction.
        let sealed = Set(
            batch.filter { StoreEvent.sealedTypes.contains($0.type) }.compactMap { StoreID(streamID: $0.streamID) })
        let keys: any PersonalKeyRing =
            sealed.isEmpty ? NoPersonalKeys() : try await PostgresPersonalDataVault.keyRing(for: sealed, on: connection)
        return try StoreProjection.apply(batch, to: &states, keys: keys)
    }

    /// Writes the rows of `states` into `tables` (and moves their checkpoint, when given), in one statement.
    static func write(
        _ states: [StoreState], on connection: PostgresConnection, in tables: Tables, movingCheckpointTo checkpoint: LogCursor?
    ) async throws {
        guard !states.isEmpty else {
            if let checkpoint { try await move(to: checkpoint, on: connection, names: tables.checkpoints) }
            return
        }
        try await write(try Rows(states), on: connection, in: tables, movingCheckpointTo: checkpoint)
    }

    /// The rows of some stores, encoded for `jsonb_to_recordset` (pure: may be made on any task).
    struct Rows: Sendable {
        let view: String
        let queue: String

        init(_ states: [StoreState]) throws {
            let (view, queue) = try PostgresStoreProjector.rows(states)
            self.view = view
            self.queue = queue
        }
    }

    static func rows(_ states: [StoreState]) throws -> (String, String) {
        var viewRows: [ViewRow] = []
        var queueRows: [QueueRow] = []
        for state in states.sorted(by: { $0.id < $1.id }) {
            let id = state.id
            let view = StoreView(state)
            viewRows.append(
                ViewRow(
                    store_id: id, name: view.name, domain: view.domain, plan: view.plan.rawValue,
                    status: state.status.rawValue, current_step: view.currentStep?.rawValue,
                    needs_attention: view.needsAttention, created_at: state.createdAt, updated_at: state.updatedAt,
                    version: state.version, view_text: try StoreProjection.encode(view), state: state))
            let entry = SagaQueueEntry(state)
            queueRows.append(QueueRow(store_id: id, open: entry.open, due_at: entry.dueAt, version: entry.version))
        }
        return (try json(viewRows), try json(queueRows))
    }

    /// Writes encoded rows into `tables` (and moves their checkpoint, when given), in one statement.
    static func write(_ rows: Rows, on connection: PostgresConnection, in tables: Tables, movingCheckpointTo checkpoint: LogCursor?)
        async throws
    {
        let cursor = checkpoint ?? LogCursor.start
        try await connection.query(
            """
            with view_rows as (
                insert into \(unsafeRaw: tables.view) (store_id, name, domain, plan, status, current_step, needs_attention, \
                created_at, updated_at, version, view_text, state)
                select r.store_id, r.name, r.domain, r.plan, r.status, r.current_step, r.needs_attention, \
                r.created_at, r.updated_at, r.version, r.view_text, r.state
                from jsonb_to_recordset(\(rows.view)::jsonb) as r(store_id uuid, name text, domain text, \
                plan text, status text, current_step text, needs_attention boolean, created_at timestamptz, \
                updated_at timestamptz, version bigint, view_text text, state jsonb)
                on conflict (store_id) do update set name = excluded.name, domain = excluded.domain, \
                plan = excluded.plan, status = excluded.status, current_step = excluded.current_step, \
                needs_attention = excluded.needs_attention, created_at = excluded.created_at, \
                updated_at = excluded.updated_at, version = excluded.version, view_text = excluded.view_text, \
                state = excluded.state
                returning 1
            ), queue_rows as (
                insert into \(unsafeRaw: tables.queue) (store_id, open, due_at, version)
                select r.store_id, r.open, r.due_at, r.version
                from jsonb_to_recordset(\(rows.queue)::jsonb) as r(store_id uuid, open boolean, \
                due_at timestamptz, version bigint)
                on conflict (store_id) do update set open = excluded.open, due_at = excluded.due_at, version = excluded.version
                returning 1
            )
            update projection_checkpoints set txid = \(cursor.transactionID)::xid8, position = \(cursor.position), \
            updated_at = now()
            where \(checkpoint != nil) and name = any(\(tables.checkpoints)::text[])
            """)
    }

    /// Moves the checkpoints (a batch with nothing to write).
    static func move(to checkpoint: LogCursor, on connection: PostgresConnection, names: [String] = names) async throws {
        try await connection.query(
            """
            update projection_checkpoints set txid = \(checkpoint.transactionID)::xid8, \
            position = \(checkpoint.position), updated_at = now() where name = any(\(names)::text[])
            """)
    }

    /// Rows for `jsonb_to_recordset`, in the one JSON form of the domain (`StoreProjection`'s
    /// encoder: sorted keys, millisecond dates); `state` nests as a JSON object, `view_text` is
    /// the store's JSON as the API shows it, kept as text.
    static func json(_ rows: some Encodable) throws -> String {
        try StoreProjection.encodeJSON(rows)
    }

    struct ViewRow: Encodable {
        let store_id: StoreID
        let name: String
        let domain: String
        let plan: String
        let status: String
        let current_step: String?
        let needs_attention: Bool
        let created_at: Date
        let updated_at: Date
        let version: Int64
        let view_text: String
        let state: StoreState
    }

    struct QueueRow: Encodable {
        let store_id: StoreID
        let open: Bool
        let due_at: Date?
        let version: Int64
    }
}
