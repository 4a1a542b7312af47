import EventStore
import Foundation
import Synchronization
import Testing

@testable import Provisioning

/// A read model that answers with a position set by the test and counts its queries.
private final class CountingReadModel: StoreReadModel {
    let position = Mutex(LogCursor.start)
    let queries = Mutex(0)
    nonisolated(unsafe) var delay: Duration = .zero

    func page(statuses: [StoreStatus], search: String?, after: String?, limit: Int) async throws -> StorePage {
        queries.withLock { $0 += 1 }
        if delay > .zero { try await Task.sleep(for: delay) }
        let at = position.withLock { $0 }
        return StorePage(items: ["{\"at\":\"\(at)\"}"], next: nil, position: at)
    }

    func store(_ id: StoreID) async throws -> StoreView? { nil }
    func counts() async throws -> StoreCounts { StoreCounts() }
    func checkpoint() async throws -> LogCursor { position.withLock { $0 } }
    func waitUntil(_ cursor: LogCursor, timeout: Duration) async throws -> Bool { true }
}

private func cursor(_ n: Int64) -> LogCursor { LogCursor(transactionID: UInt64(n), position: n) }

private func event(at n: Int64) -> RecordedEvent {
    RecordedEvent(
        id: UUID(), streamID: Fixtures.id.streamID, version: n, cursor: cursor(n), type: "store.ready.v1", data: "{}",
        metadata: EventMetadata(actor: "system"), recordedAt: Fixtures.t0)
}

@Suite("Store page cache")
struct StorePageCacheTests {
    @Test func aPageIsServedFromMemoryUntilTheFollowerDeliversALaterEvent() async throws {
        let base = CountingReadModel()
        let cache = StorePageCache(base: base)
        base.position.withLock { $0 = cursor(5) }
        _ = try await cache.page(statuses: [], search: nil, after: nil, limit: 50)
        _ = try await cache.page(statuses: [], search: nil, after: nil, limit: 50)
        #expect(base.queries.withLock { $0 } == 2, "nothing is cached before the follower started")

        await cache.followerStarted(after: cursor(5))
        _ = try await cache.page(statuses: [], search: nil, after: nil, limit: 50)
        let cached = try await cache.page(statuses: [], search: nil, after: nil, limit: 50)
        #expect(base.queries.withLock { $0 } == 3)
        #expect(cached.position == cursor(5))
        _ = try await cache.page(statuses: [.ready], search: nil, after: nil, limit: 50)
        _ = try await cache.page(statuses: [], search: "shop", after: nil, limit: 50)
        #expect(base.queries.withLock { $0 } == 5, "each filter is a page of its own")

        // An event arrives; the projector has not applied it yet: not served, not cached.
        await cache.consume([event(at: 6)])
        _ = try await cache.page(statuses: [], search: nil, after: nil, limit: 50)
        _ = try await cache.page(statuses: [], search: nil, after: nil, limit: 50)
        #expect(base.queries.withLock { $0 } == 7, "a page older than the log's head is never served")
        // Applied: cached again from the next read on.
        base.position.withLock { $0 = cursor(6) }
        let fresh = try await cache.page(statuses: [], search: nil, after: nil, limit: 50)
        _ = try await cache.page(statuses: [], search: nil, after: nil, limit: 50)
        #expect(base.queries.withLock { $0 } == 8)
        #expect(fresh.position == cursor(6))
        #expect(cache.counts.hits == 2)
    }

    @Test func identicalRequestsDuringAReadShareIt() async throws {
        let base = CountingReadModel()
        base.delay = .milliseconds(200)
        let cache = StorePageCache(base: base)
        await cache.followerStarted(after: .start)
        let pages = try await withThrowingTaskGroup(of: StorePage.self) { group in
            for _ in 0..<8 { group.addTask { try await cache.page(statuses: [], search: nil, after: nil, limit: 500) } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(pages.count == 8)
        #expect(base.queries.withLock { $0 } == 1, "one query for the burst")
        // A new event: the next request reads afresh rather than joining an older read.
        await cache.consume([event(at: 1)])
        base.position.withLock { $0 = cursor(1) }
        let fresh = try await cache.page(statuses: [], search: nil, after: nil, limit: 500)
        #expect(fresh.position == cursor(1))
        #expect(base.queries.withLock { $0 } == 2)
    }

    @Test func statusesInAnyOrderAreTheSamePage() async throws {
        let base = CountingReadModel()
        let cache = StorePageCache(base: base)
        await cache.followerStarted(after: .start)
        _ = try await cache.page(statuses: [.ready, .failed], search: nil, after: nil, limit: 10)
        _ = try await cache.page(statuses: [.failed, .ready], search: nil, after: nil, limit: 10)
        #expect(base.queries.withLock { $0 } == 1)
    }
}
