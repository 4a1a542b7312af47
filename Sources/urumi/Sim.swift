import ArgumentParser
import Foundation
import Logging
import PostgresEvents
import PostgresReadModels
import Simulator

struct Sim: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The simulated cluster.", subcommands: [Inventory.self, Drift.self])

    struct Inventory: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print what the simulated cluster holds now, as JSON (namespaces, releases, creation counts).")

        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            let pool = try database.makePool(logger: Logger(label: "urumi.sim"))
            let snapshot = try await failing {
                defer { _ = pool }
                // The simulator's table comes with its own migrations (schema/simulator).
                let schema = try Migrator.locateSchemaDirectory()
                try await Migrator(directories: [schema, Migrator.simulatorDirectory(in: schema)], logger: Logger(label: "urumi.sim"))
                    .migrate(pool: pool)
                let snapshot = try await PostgresSimulatedInventory(pool: pool).snapshot()
                await pool.close()
                return snapshot
            }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            print(String(decoding: try encoder.encode(snapshot), as: UTF8.self))
        }
    }
}
