import ArgumentParser
import Foundation
import Logging
import PostgresEvents
import PostgresReadModels

struct Projections: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The read models built from the event log.", subcommands: [Rebuild.self])

    struct Rebuild: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Rebuild the store list and the saga queue from the whole log, in one transaction.")

        @OptionGroup var database: DatabaseOptions

        @Flag(help: "Print the result as JSON.")
        var json = false

        func run() async throws {
            let pool = try database.makePool(logger: Logger(label: "urumi.projections"))
            let count = try await failing {
                let count = try await PostgresStoreProjector.rebuild(pool: pool)
                await pool.close()
                return count
            }
            print(json ? #"{"events":\#(count)}"# : "rebuilt the store list and saga queue from \(count) events")
        }
    }
}
