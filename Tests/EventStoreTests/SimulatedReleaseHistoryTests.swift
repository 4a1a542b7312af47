import Foundation
import PostgresEvents
import Simulator
import Testing

/// The simulated cluster's helm history, in PostgreSQL and in memory alike: upgrades and
/// rollbacks are numbered revisions holding their values; a rollback copies the named (or the
/// previous) revision's values into a new one; an absent release has none.
@Suite("Simulated release history")
struct SimulatedReleaseHistoryTests {
    static func check(_ inventory: some SimulatedInventory) async throws {
        #expect(try await inventory.upgrade(release: "store-1", values: "v0") == nil, "no release, no revision")
        try await inventory.create(.release, name: "store-1", owner: "s1")
        #expect(try await inventory.upgrade(release: "store-1", values: "small") == 1)
        #expect(try await inventory.upgrade(release: "store-1", values: "medium") == 2)
        #expect(try await inventory.upgrade(release: "store-1", values: "large") == 3)
        #expect(try await inventory.rollback(release: "store-1", to: 1) == 4)
        #expect(try await inventory.current(release: "store-1")?.values == "small")
        #expect(try await inventory.rollback(release: "store-1", to: nil) == 5, "no revision named: the one before")
        #expect(try await inventory.current(release: "store-1")?.values == "large")
        #expect(try await inventory.rollback(release: "store-1", to: 9) == nil)
        #expect(try await inventory.current(release: "store-1")?.revision == 5)
        try await inventory.delete(.release, name: "store-1")
        #expect(try await inventory.current(release: "store-1") == nil, "uninstalling removes the history")
    }

    @Test func inPostgreSQL() async throws {
        try await TestDatabase.with(migrate: false) { database in
            let schema = try Migrator.locateSchemaDirectory()
            try await Migrator(directories: [schema, Migrator.simulatorDirectory(in: schema)], logger: TestDatabase.logger)
                .migrate(pool: database.pool)
            try await Self.check(PostgresSimulatedInventory(pool: database.pool))
        }
    }

    @Test func inMemory() async throws {
        try await Self.check(InMemorySimulatedInventory())
    }
}
