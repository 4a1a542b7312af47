import ArgumentParser
import Foundation
import Provisioning
import Logging
import PostgresEvents
import PostgresReadModels

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Apply the SQL migrations of schema/ that the database does not have yet.")

    @OptionGroup var database: DatabaseOptions

    @Option(help: "Directory of the numbered .sql files (default: found beside the binary, or $URUMI_SCHEMA_DIR).")
    var schemaDir: String?

    @Flag(help: "Print the result as JSON.")
    var json = false

    func run() async throws {
        let logger = Logger(label: "urumi.migrate")
        let pool = try database.makePool(logger: logger)
        let applied = try await failing {
            let directory = try Migrator.locateSchemaDirectory(explicit: schemaDir)
            let migrator = try Migrator(directory: directory, logger: logger)
            do {
                let applied = try await migrator.migrate(pool: pool)
                await pool.close()
                return applied
            } catch {
                await pool.close()
                throw error
            }
        }
        if json {
            print(try StoreProjection.encodeJSON(["applied": applied]))
        } else if applied.isEmpty {
            print("database is up to date")
        } else {
            for name in applied { print("applied \(name)") }
        }
    }
}
