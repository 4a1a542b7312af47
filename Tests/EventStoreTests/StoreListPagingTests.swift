import EventStore
import Foundation
import Postgres
import PostgresEvents
import PostgresReadModels
import Provisioning
import Testing

/// The store list at 10,000 rows: every filter shape walked page by page gives exactly the
/// matching stores, once each, in (created_at, id) order, against the table itself.
@Suite("Store list paging at scale", .timeLimit(.minutes(3)))
struct StoreListPagingTests {
    static let count = 10_000

    /// 10,000 stores as real events: a third provisioning, a third failed, a third deleting.
    static func load(_ store: PostgresEventStore) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for writer in 0..<8 {
                group.addTask {
                    var n = writer
                    while n < count {
                        let id = UUID().uuidString.lowercased()
                        var events = [ProjectorBatchTests.requested(UUID(uuidString: id)!, n)]
                        switch n % 3 {
                        case 1: events.append(event(StoreEvent.Kind.failed.rawValue, #"{"reason":"helm failed"}"#))
                        case 2: events.append(event(StoreEvent.Kind.deletionRequested.rawValue, #"{"by":"tester"}"#))
                        default: break
                        }
                        try await store.append(to: try StreamID("store-\(id)"), expected: .noStream, events: events)
                        n += 8
                    }
                }
            }
            try await group.waitForAll()
        }
    }

    static func truth(_ pool: PostgresPool, _ statuses: [StoreStatus]) async throws -> [String] {
        let names = (statuses.isEmpty ? StoreStatus.allCases : statuses).map(\.rawValue)
        return try await pool.query(
            "select store_id::text as id from store_view where status = any(\(names)::text[]) order by created_at, store_id"
        ).map { try $0.decode(String.self, "id") }
    }

    @Test func everyFilterPagesThroughExactlyItsStoresOnce() async throws {
        try await TestDatabase.with(maxConnections: 8) { database in
            let store = database.makeStore()
            try await Self.load(store)
            let projector = PostgresStoreProjector(pool: database.pool, logger: TestDatabase.logger, clock: ContinuousClock())
            while try await projector.runBatch() > 0 {}
            let readModel = PostgresStoreReadModel(pool: database.pool, progress: nil)
            let filters: [[StoreStatus]] = [[], [.provisioning], [.failed], [.deleting, .failed], [.ready]]
            for (statuses, limit) in zip(filters, [500, 37, 500, 211, 50]) {
                var seen: [String] = []
                var after: String?
                var pages = 0
                repeat {
                    let page = try await readModel.page(statuses: statuses, search: nil, after: after, limit: limit)
                    #expect(page.items.count <= limit)
                    #expect(page.next == nil || page.items.count == limit, "only the last page is short")
                    for item in page.items {
                        let view = try StoreProjection.decodeView(item)
                        #expect(statuses.isEmpty || statuses.contains(view.status))
                        seen.append(view.id.description)
                    }
                    after = page.next
                    pages += 1
                } while after != nil && pages < 1000
                let expected = try await Self.truth(database.pool, statuses)
                #expect(seen == expected, "\(statuses): \(seen.count) of \(expected.count)")
                #expect(Set(seen).count == seen.count, "no store twice")
            }
            #expect(try await Self.truth(database.pool, []).count == Self.count)
            #expect(try await Self.truth(database.pool, [.failed]).count == Self.count / 3)
        }
    }
}
