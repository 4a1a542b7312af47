import ArgumentParser
import Foundation
import Logging
import PostgresEvents
import Provisioning
import Simulator

extension Sim {
    /// `urumi sim drift <store> --delete Deployment/wordpress | --set plan=large`: drift made
    /// behind Urumi's back in the simulated cluster, to watch the drift checks find and
    /// correct it.
    struct Drift: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Make a simulated store's cluster differ from the log: delete one of its objects, or change a value in a new revision.")

        @OptionGroup var database: DatabaseOptions

        @Argument(help: "The store's id.")
        var store: String

        @Option(help: ArgumentHelp("Delete this object of the store's release, e.g. Deployment/wordpress.", valueName: "Kind/name"))
        var delete: [String] = []

        @Option(help: ArgumentHelp("Set this value of the release in a new revision, e.g. plan=large.", valueName: "key=value"))
        var set: [String] = []

        func validate() throws {
            guard StoreID(store.lowercased()) != nil else { throw ValidationError("not a store id: \(store)") }
            guard !delete.isEmpty || !set.isEmpty else { throw ValidationError("say what to change: --delete or --set") }
            for pair in set where !pair.contains("=") { throw ValidationError("--set expects key=value, got \(pair)") }
        }

        func run() async throws {
            let logger = Logger(label: "urumi.sim")
            let pool = try database.makePool(logger: logger)
            let id = StoreID(store.lowercased())!
            try await failing {
                defer { _ = pool }
                let schema = try Migrator.locateSchemaDirectory()
                try await Migrator(directories: [schema, Migrator.simulatorDirectory(in: schema)], logger: logger).migrate(pool: pool)
                let drift = SimulatedDrift(inventory: PostgresSimulatedInventory(pool: pool))
                for object in delete { try await drift.delete(object, of: id) }
                for pair in set {
                    let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
                    let revision = try await drift.set(parts[0], to: parts.count > 1 ? parts[1] : "", of: id)
                    print("revision \(revision): \(parts[0]) set")
                }
                await pool.close()
            }
        }
    }
}
