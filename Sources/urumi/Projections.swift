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
            abstract: "Rebuild the store list and the saga queue from the whole log.",
            discussion: """
                Without --online: in one transaction, during which the running servers' projector waits.
                With --online: beside the live read models while the servers keep serving and appending,
                then swapped in at once (docs/decisions/rebuilds-and-retention.md).
                """)

        @OptionGroup var database: DatabaseOptions

        @Flag(help: "Build beside the live read models, catch up, then swap them in atomically.")
        var online = false

        @Option(help: "Events per catch-up transaction (--online).")
        var batch: Int = 2000

        @Flag(help: "Print the result as JSON.")
        var json = false

        func run() async throws {
            guard batch >= 1 else { throw ValidationError("--batch must be at least 1") }
            let pool = try database.makePool(logger: Logger(label: "urumi.projections"))
            if online {
                let report = try await failing {
                    do {
                        let report = try await PostgresStoreProjector.rebuildOnline(pool: pool, batchSize: batch)
                        await pool.close()
                        return report
                    } catch {
                        await pool.close()
                        throw error
                    }
                }
                if json {
                    print(
                        #"{"events":\#(report.events),"eventsAtSwap":\#(report.eventsAtSwap),"stores":\#(report.stores),"#
                            + #""batches":\#(report.batches)}"#)
                } else {
                    print(
                        "rebuilt the store list and saga queue online from \(report.events) events (\(report.stores) stores; "
                            + "\(report.eventsAtSwap) applied at the swap)")
                }
                return
            }
            let count = try await failing {
                let count = try await PostgresStoreProjector.rebuild(pool: pool)
                await pool.close()
                return count
            }
            print(json ? #"{"events":\#(count)}"# : "rebuilt the store list and saga queue from \(count) events")
        }
    }
}
