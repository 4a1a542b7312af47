import EventStore
import Foundation
import PersonalData
import Postgres
import PostgresEvents
import PostgresReadModels
import Provisioning
import Testing

/// `GET /stores?q=`: the same searches give the same stores from the PostgreSQL store list and
/// from the in-memory one, both fed the same events: a case-insensitive substring of the name or
/// the domain, taken literally (`%`, `_` and `\` are no wildcards), never spanning name and
/// domain, combined with the status filter and keyset paging.
@Suite("Store list search", .timeLimit(.minutes(2)))
struct StoreSearchTests {
    /// name, domain, and whether the store then fails.
    static let stores: [(String, String, Bool)] = [
        ("Alpha Coffee", "alpha.example.com", false),
        ("alpha Roasters", "roast.example.org", true),
        ("BETA Books", "beta-books.example.org", false),
        ("50% Off Sale", "sale.example.net", false),
        ("Snake_case Shop", "snake.example.net", false),
        (#"Back\Slash"#, "slash.example.net", false),
        ("Plain Shop", "plain.example.net", false),
    ] + (0..<23).map { ("Paged \($0)", "paged-\($0).example.com", $0 % 4 == 0) }

    /// Each store as real events: requested, and `failed` for some.
    static func load(_ store: PostgresEventStore) async throws {
        for (name, domain, fails) in stores {
            let id = UUID().uuidString.lowercased()
            let requested: [String: Any] = [
                "storeId": id, "name": name, "domain": domain, "adminEmail": "a@example.com", "plan": "small",
                "requestedBy": "tester",
            ]
            let json = String(decoding: try JSONSerialization.data(withJSONObject: requested), as: UTF8.self)
            var events = [event(StoreEvent.Kind.requested.rawValue, json)]
            if fails { events.append(event(StoreEvent.Kind.failed.rawValue, #"{"reason":"helm failed"}"#)) }
            try await store.append(to: try StreamID("store-\(id)"), expected: .noStream, events: events)
            // The list orders by creation time to the millisecond, then by id: stores created
            // in the same millisecond come in id order, so the expected order needs distinct ones.
            try await Task.sleep(for: .milliseconds(2))
        }
    }

    /// Every page of a search, following `next`; the names in order.
    static func names(
        _ model: any StoreReadModel, _ search: String?, statuses: [StoreStatus] = [], limit: Int = 500
    ) async throws -> [String] {
        var names: [String] = []
        var after: String?
        var pages = 0
        repeat {
            let page = try await model.page(statuses: statuses, search: search, after: after, limit: limit)
            #expect(page.next == nil || page.items.count == limit, "only the last page is short")
            names += try page.items.map { try StoreProjection.decodeView($0).name }
            after = page.next
            pages += 1
        } while after != nil && pages < 100
        return names
    }

    @Test func postgresAndInMemoryFindTheSameStores() async throws {
        try await TestDatabase.with { database in
            let store = database.makeStore()
            try await Self.load(store)
            let expected = Self.stores.count + Self.stores.filter(\.2).count
            // Every event readable first: a projector batch that finds nothing yet (a writing
            // transaction still settling on a busy machine) is not the end of the log.
            let all = try await readAllSettled(store, count: expected)
            #expect(all.count == expected)
            let projector = PostgresStoreProjector(pool: database.pool, logger: TestDatabase.logger, clock: ContinuousClock())
            let last = try #require(all.last).cursor
            let deadline = ContinuousClock.now + .seconds(20)
            while try await PostgresStoreReadModel(pool: database.pool, progress: nil).checkpoint() < last, ContinuousClock.now < deadline {
                if try await projector.runBatch() == 0 { try await Task.sleep(for: .milliseconds(20)) }
            }
            let memory = InMemoryStoreProjection(clock: ContinuousClock(), now: Date.init, vault: InMemoryPersonalDataVault())
            await memory.consume(all)
            let models: [(String, any StoreReadModel)] = [
                ("postgres", PostgresStoreReadModel(pool: database.pool, progress: nil)), ("memory", memory),
            ]
            let paged = (0..<23).map { "Paged \($0)" }
            for (label, model) in models {
                #expect(try await Self.names(model, "coffee") == ["Alpha Coffee"], "\(label)")
                #expect(try await Self.names(model, "ALPHA") == ["Alpha Coffee", "alpha Roasters"], "\(label)")
                #expect(try await Self.names(model, ".example.org") == ["alpha Roasters", "BETA Books"], "\(label)")
                #expect(try await Self.names(model, "ta-BOO") == ["BETA Books"], "\(label): domain, any case")
                #expect(try await Self.names(model, "%") == ["50% Off Sale"], "\(label): % is literal")
                #expect(try await Self.names(model, "e_c") == ["Snake_case Shop"], "\(label): _ is literal")
                #expect(try await Self.names(model, #"k\s"#) == [#"Back\Slash"#], "\(label): \\ is literal")
                #expect(try await Self.names(model, "coffeealpha").isEmpty, "\(label): never across name and domain")
                #expect(try await Self.names(model, "nothing like it").isEmpty, "\(label)")
                #expect(try await Self.names(model, nil).count == Self.stores.count, "\(label)")
                #expect(try await Self.names(model, "").count == Self.stores.count, "\(label): empty searches nothing")
                #expect(try await Self.names(model, "alpha", statuses: [.failed]) == ["alpha Roasters"], "\(label)")
                #expect(try await Self.names(model, "alpha", statuses: [.ready, .deleted]).isEmpty, "\(label)")
                // Keyset paging through a search: each match once, in order, on pages of 4.
                let pagedNames = try await Self.names(model, "PAGED", limit: 4)
                #expect(pagedNames == paged, "\(label): \(pagedNames)")
                #expect(
                    try await Self.names(model, "paged", statuses: [.failed], limit: 2)
                        == paged.enumerated().filter { $0.offset % 4 == 0 }.map(\.element), "\(label)")
            }
        }
    }

    @Test func theSearchHasATrigramIndexWhenPgTrgmIsThere() async throws {
        try await TestDatabase.with { database in
            // Debian's postgresql-15 ships pg_trgm: the migration must have used it here.
            let indexes = try await database.pool.query(
                "select indexdef from pg_indexes where tablename = 'store_view' and indexname = 'store_view_search'"
            ).map { try $0.decode(String.self, "indexdef") }
            #expect(indexes.count == 1)
            #expect(indexes.first?.contains("gin_trgm_ops") == true)
        }
    }
}
