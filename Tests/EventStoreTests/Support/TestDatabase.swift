import EventStore
import Foundation
import Logging
import Postgres
import PostgresEvents
import PostgresReadModels
import Testing
import TestSupport

/// A fresh database per test on the PostgreSQL server named by `DATABASE_URL`, migrated with
/// the real `schema/` files. No database is a failure, not a skip: CI must not go green
/// without having touched PostgreSQL.
struct TestDatabase {
    let name: String
    let url: String
    let pool: PostgresPool

    static let logger: Logger = {
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        return logger
    }()

    /// Creates a database and migrates it (unless `migrate` is false); `body` gets it; it is
    /// dropped afterwards, also when `body` throws.
    static func with<T>(
        maxConnections: Int = 4, serverURL: String? = nil, migrate: Bool = true,
        _ body: (TestDatabase) async throws -> T
    ) async throws -> T {
        let admin = try serverURL ?? ScratchDatabase.serverURL()
        let name = ScratchDatabase.newName("urumi_test")
        let adminPool = PostgresPool(url: admin, maxConnections: 1, logger: logger)
        try await ScratchDatabase.create(name, on: adminPool)
        let url = ScratchDatabase.url(of: name, on: admin)
        let pool = PostgresPool(url: url, maxConnections: maxConnections, logger: logger)
        let database = TestDatabase(name: name, url: url, pool: pool)
        do {
            if migrate {
                try await Migrator(directory: try Migrator.locateSchemaDirectory(), logger: logger).migrate(pool: pool)
            }
            let value = try await body(database)
            await database.drop(adminPool)
            return value
        } catch {
            await database.drop(adminPool)
            throw error
        }
    }

    private func drop(_ adminPool: PostgresPool) async {
        await pool.close()
        await ScratchDatabase.drop(name, on: adminPool)
        await adminPool.close()
    }

    func makeStore(pollInterval: Duration = .seconds(2), logger: Logger = Self.logger) -> PostgresEventStore {
        PostgresEventStore(pool: pool, logger: logger, pollInterval: pollInterval)
    }

    /// Another pool on this database (another process, as far as the server can tell).
    func makePool(maxConnections: Int = 4, applicationName: String = "urumi-test") -> PostgresPool {
        PostgresPool(url: url, maxConnections: maxConnections, applicationName: applicationName, logger: Self.logger)
    }
}

/// Thrown by a test inside a transaction to make it roll back.
struct DeliberateRollback: Error {}

enum TestSetupError: Error {
    case timedOut(String)
    case failed(String)
}

/// Builds a small event.
func event(_ type: String = "test.happened.v1", _ data: String = #"{"n":1}"#, actor: String = "tester") -> NewEvent {
    NewEvent(type: type, data: data, metadata: EventMetadata(actor: actor))
}

func stream(_ prefix: String = "test") -> StreamID {
    try! StreamID("\(prefix)-\(UUID().uuidString.lowercased())")
}

/// True when both texts are the same JSON value (the database normalises whitespace).
func sameJSON(_ lhs: String, _ rhs: String) -> Bool {
    guard let a = try? JSONSerialization.jsonObject(with: Data(lhs.utf8)) as? NSObject,
        let b = try? JSONSerialization.jsonObject(with: Data(rhs.utf8)) as? NSObject
    else { return false }
    return a.isEqual(b)
}

/// Collects `count` events from a subscription, or fails after `timeout`.
func collect(_ subscription: EventSubscription, count: Int, timeout: Duration = .seconds(30)) async throws
    -> [RecordedEvent]
{
    try await withThrowingTaskGroup(of: [RecordedEvent]?.self) { group in
        group.addTask {
            var seen: [RecordedEvent] = []
            for try await event in subscription {
                seen.append(event)
                if seen.count == count { break }
            }
            return seen
        }
        group.addTask {
            try await Task.sleep(for: timeout)
            return nil
        }
        defer { group.cancelAll() }
        guard let first = try await group.next(), let seen = first else {
            throw TestSetupError.timedOut("subscription did not deliver \(count) events in \(timeout)")
        }
        return seen
    }
}

/// Reads the whole log after `cursor` until it holds `count` events (or 10 s pass).
///
/// PostgreSQL readers stop before the oldest transaction still running anywhere on the server
/// (that is what makes reading gap-free), so an event can become readable a moment after its
/// append returned while other tests' transactions run. The assertions that follow still
/// compare exact contents.
func readAllSettled(_ store: any EventStore, after cursor: LogCursor = .start, count: Int) async throws
    -> [RecordedEvent]
{
    let deadline = ContinuousClock.now + .seconds(10)
    while true {
        let events = try await store.readAll(after: cursor, limit: max(count, 1) + 100)
        if events.count >= count || ContinuousClock.now > deadline { return events }
        try await Task.sleep(for: .milliseconds(20))
    }
}
