import EventStore
import Synchronization

/// Pages of the store list kept in memory while the log has not moved: a fleet's dashboards
/// ask for the same first page again and again, and between two events its answer cannot
/// change.
///
/// It follows the log (a `LogConsumer` of the process's follower) and serves a cached page
/// only while the page's position (the checkpoint the read model answered with) is at or
/// past the newest event the follower delivered. A page read while the projector still lags
/// the follower is not served from the cache; one read before an event that arrives later
/// stops being served when the follower delivers that event. So a cached answer is never
/// older than what the process has seen of the log, and it says so with its `position`.
public final class StorePageCache: StoreReadModel, LogConsumer {
    struct Key: Hashable {
        let statuses: [StoreStatus]
        let search: String?
        let after: String?
        let limit: Int
    }

    private struct State {
        /// The newest cursor the follower delivered (nil: not started, nothing is cached).
        var head: LogCursor?
        var pages: [Key: StorePage] = [:]
        /// Reads under way, joined by identical requests that arrive meanwhile (a burst of
        /// dashboards asking for the same page costs one query, not one each).
        var reading: [Key: Task<StorePage, any Error>] = [:]
        var hits = 0
        var misses = 0
    }

    let base: any StoreReadModel
    let capacity: Int
    private let state = Mutex(State())

    public init(base: any StoreReadModel, capacity: Int = 256) {
        self.base = base
        self.capacity = capacity
    }

    /// Pages served from memory and from the read model so far.
    public var counts: (hits: Int, misses: Int) { state.withLock { ($0.hits, $0.misses) } }

    public func followerStarted(after cursor: LogCursor) async {
        state.withLock { state in
            if state.head.map({ $0 < cursor }) ?? true { state.head = cursor }
        }
    }

    public func consume(_ batch: [RecordedEvent]) async {
        guard let last = batch.last?.cursor else { return }
        state.withLock { state in
            guard state.head.map({ $0 < last }) ?? true else { return }
            state.head = last
            state.pages = state.pages.filter { $0.value.position >= last }
            // Reads begun before this batch may miss it: later requests start their own.
            state.reading.removeAll()
        }
    }

    public func page(statuses: [StoreStatus], search: String?, after: String?, limit: Int) async throws -> StorePage {
        let key = Key(statuses: statuses.sorted { $0.rawValue < $1.rawValue }, search: search, after: after, limit: limit)
        enum Lookup {
            case cached(StorePage)
            case join(Task<StorePage, any Error>)
            case read(Task<StorePage, any Error>)
        }
        let base = self.base
        let lookup = state.withLock { state -> Lookup in
            if let head = state.head, let page = state.pages[key], page.position >= head {
                state.hits += 1
                return .cached(page)
            }
            state.misses += 1
            if let reading = state.reading[key] { return .join(reading) }
            let task = Task { try await base.page(statuses: statuses, search: search, after: after, limit: limit) }
            // Only share reads once the follower started: before, nothing says what is current.
            if state.head != nil { state.reading[key] = task }
            return .read(task)
        }
        switch lookup {
        case .cached(let page):
            return page
        case .join(let task):
            return try await task.value
        case .read(let task):
            let result = await task.result
            state.withLock { state in
                if state.reading[key] == task { state.reading[key] = nil }
                guard case .success(let page) = result, let head = state.head, page.position >= head else { return }
                // A slower read must not replace a newer page another read already kept.
                if let kept = state.pages[key], kept.position > page.position { return }
                if state.pages.count >= capacity { state.pages.removeAll(keepingCapacity: true) }
                state.pages[key] = page
            }
            return try result.get()
        }
    }

    public func store(_ id: StoreID) async throws -> StoreView? { try await base.store(id) }

    public func counts() async throws -> StoreCounts { try await base.counts() }

    public func checkpoint() async throws -> LogCursor { try await base.checkpoint() }

    public func waitUntil(_ cursor: LogCursor, timeout: Duration) async throws -> Bool {
        try await base.waitUntil(cursor, timeout: timeout)
    }
}
