import EventStore
import Foundation
import Synchronization

/// The store list and the saga queue in memory, folded by the same `StoreProjection` as the
/// PostgreSQL read models (for `.inMemory` applications: tests, demos). Fed by the
/// process's `LogFollower`; leases expire on the injected clock's time.
public final class InMemoryStoreProjection: StoreReadModel, SagaQueue, LogConsumer {
    private struct State {
        var stores: [StoreID: StoreState] = [:]
        var checkpoint = LogCursor.start
        var leases: [StoreID: (owner: String, expires: Date)] = [:]
    }

    private let state = Mutex(State())
    public let changes = WakeSignal()
    let clock: any Clock<Duration>
    let now: @Sendable () -> Date
    let vault: any PersonalDataVault

    public init(clock: any Clock<Duration>, now: @escaping @Sendable () -> Date, vault: any PersonalDataVault) {
        self.clock = clock
        self.now = now
        self.vault = vault
    }

    // MARK: LogConsumer

    public func consume(_ batch: [RecordedEvent]) async {
        // Without the keys an event holding a sealed field cannot apply (it is skipped below).
        let keys = (try? await vault.keyRing(for: batch)) ?? NoPersonalKeys()
        state.withLock { state in
            // One event at a time: one that cannot be decoded is skipped (its store keeps its
            // last good state; the log keeps the event), the rest of the batch still applies.
            for event in batch where event.cursor > state.checkpoint {
                _ = try? StoreProjection.apply([event], to: &state.stores, keys: keys)
            }
            if let last = batch.last, last.cursor > state.checkpoint { state.checkpoint = last.cursor }
        }
        changes.bump()
    }

    // MARK: StoreReadModel

    public func store(_ id: StoreID) async throws -> StoreView? {
        state.withLock { $0.stores[id].map(StoreView.init) }
    }

    public func page(statuses: [StoreStatus], search: String?, after: String?, limit: Int) async throws -> StorePage {
        let needle = search?.lowercased() ?? ""
        let (selected, position) = state.withLock { state in
            let stores = state.stores.values.filter { store in
                (statuses.isEmpty || statuses.contains(store.status))
                    && (needle.isEmpty || Self.contains((store.applied ?? store.desired).name, needle) || Self.contains(store.spec.domain, needle))
            }
            return (stores, state.checkpoint)
        }
        let all = selected.sorted { ($0.createdAt, $0.id) < ($1.createdAt, $1.id) }
        var start = 0
        if let after {
            guard let index = all.firstIndex(where: { Self.cursor($0) == after }) else { throw InvalidPageCursor() }
            start = index + 1
        }
        let page = Array(all[start..<min(all.count, start + limit)])
        let next = start + limit < all.count ? page.last.map(Self.cursor) : nil
        return StorePage(
            items: try page.map { try StoreProjection.encode(StoreView($0)) }, next: next, position: position)
    }

    public func counts() async throws -> StoreCounts {
        let (views, position) = state.withLock { state in (state.stores.values.map(StoreView.init), state.checkpoint) }
        var counts = StoreCounts()
        for view in views { counts.add(view) }
        counts.position = position.description
        return counts
    }

    /// Whether `text` holds `needle` (already lower-cased) ignoring case, as PostgreSQL's
    /// `ilike` compares: both sides lower-cased, then a plain substring match.
    static func contains(_ text: String, _ needle: String) -> Bool {
        text.lowercased().contains(needle)
    }

    static func cursor(_ state: StoreState) -> String {
        "\(Int64((state.createdAt.timeIntervalSince1970 * 1_000_000).rounded()))_\(state.id)"
    }

    public func checkpoint() async throws -> LogCursor {
        state.withLock { $0.checkpoint }
    }

    public func waitUntil(_ cursor: LogCursor, timeout: Duration) async throws -> Bool {
        let reached = try await withTimeout(timeout, clock: clock) { [self] () async -> Bool in
            while !Task.isCancelled {
                let seen = changes.generation
                if state.withLock({ $0.checkpoint >= cursor }) { return true }
                await changes.wait(after: seen, timeout: .seconds(1), clock: clock)
            }
            return false
        }
        return reached == true || state.withLock { $0.checkpoint >= cursor }
    }

    /// How many stores are in each status (for `/metrics`).
    public func countsByStatus() async -> [StoreStatus: Int] {
        state.withLock { state in
            state.stores.values.reduce(into: [:]) { counts, store in counts[store.status, default: 0] += 1 }
        }
    }

    // MARK: SagaQueue

    public func leaseDue(owner: String, limit: Int, ttl: Duration, excluding: Set<StoreID>) async throws -> [SagaLease] {
        let now = now()
        return state.withLock { state in
            let due = state.stores.values.compactMap { store -> (Date, StoreID, Int64)? in
                let entry = SagaQueueEntry(store)
                guard entry.open, let at = entry.dueAt, at <= now, !excluding.contains(store.id) else { return nil }
                if let lease = state.leases[store.id], lease.expires >= now, lease.owner != owner { return nil }
                return (at, store.id, store.version)
            }
            .sorted { ($0.0, $0.1) < ($1.0, $1.1) }
            .prefix(limit)
            for (_, id, _) in due { state.leases[id] = (owner, now.addingTimeInterval(ttl.seconds)) }
            return due.map { SagaLease(id: $0.1, version: $0.2) }
        }
    }

    public func renew(_ ids: Set<StoreID>, owner: String, ttl: Duration) async throws -> Set<StoreID> {
        let now = now()
        return state.withLock { state in
            var lost = Set<StoreID>()
            for id in ids {
                if state.leases[id]?.owner == owner {
                    state.leases[id]!.expires = now.addingTimeInterval(ttl.seconds)
                } else {
                    lost.insert(id)
                }
            }
            return lost
        }
    }

    public func release(_ id: StoreID, owner: String) async throws {
        state.withLock { state in
            if state.leases[id]?.owner == owner { state.leases[id] = nil }
        }
    }
}
