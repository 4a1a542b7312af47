import ArgumentParser
import EventStore
import Foundation
import Logging
import Postgres
import PostgresEvents
import PostgresPersonalData
import PostgresReadModels
import Provisioning

/// `urumi-bench rebuild`: N stores loaded as real events (`StoreLoader`), then, alternating in
/// one run, the online rebuild of the read models (`urumi projections rebuild --online`) and a
/// raw sequential read of the same events (the event store's gap-free reader, the same batch
/// size, on one connection, nothing done with them). Events/s of each, and the rebuild's rate
/// as a fraction of the read's (target >= 0.5).
struct RebuildBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rebuild",
        abstract: "Online projection rebuild rate vs a raw sequential read of the same events.")

    @OptionGroup var database: DatabaseOption

    @Option(help: "How many stores to load (about 12 events each).")
    var stores: Int = 5_000

    @Option(help: "Rounds (each: one read and one rebuild, the order alternating).")
    var rounds: Int = 3

    @Option(help: "Events per batch, for both.")
    var batch: Int = 2000

    @Flag(help: "End with one line of JSON holding every figure.")
    var json = false

    func validate() throws {
        guard stores > 0, rounds > 0, batch > 0 else { throw ValidationError("--stores, --rounds and --batch must be positive") }
    }

    func run() async throws {
        let server = try database.serverURL()
        var logger = Logger(label: "urumi-bench")
        logger.logLevel = .warning
        let (events, reads, rebuilds, loadSeconds, phases) = try await BenchDatabase.with(
            serverURL: server, maxConnections: 8, logger: logger
        ) { database in
            let loadStart = ContinuousClock.now
            _ = try await StoreLoader.load(
                stores, into: PostgresEventStore(pool: database.pool, logger: logger),
                vault: PostgresPersonalDataVault(pool: database.pool))
            let loaded = (ContinuousClock.now - loadStart).seconds
            try await database.pool.query("vacuum analyze events")
            var reads: [Double] = []
            var rebuilds: [Double] = []
            var phases: [PostgresStoreProjector.OnlineRebuild] = []
            var events = 0
            for round in 0..<rounds {
                // Alternate which goes first, so a warm cache or a busy neighbour favours neither.
                for side in round.isMultiple(of: 2) ? [0, 1] : [1, 0] {
                    let start = ContinuousClock.now
                    if side == 0 {
                        events = try await rawRead(database.pool)
                        reads.append(Double(events) / (ContinuousClock.now - start).seconds)
                    } else {
                        let report = try await PostgresStoreProjector.rebuildOnline(pool: database.pool, batchSize: batch)
                        rebuilds.append(Double(report.events) / (ContinuousClock.now - start).seconds)
                        phases.append(report)
                        guard report.stores == stores else {
                            throw BenchError.unexpected("the rebuild made \(report.stores) stores of \(stores)")
                        }
                    }
                }
            }
            return (events, reads, rebuilds, loaded, phases)
        }
        let ratios = zip(rebuilds, reads).map { $0 / $1 }
        let ratio = Statistics.median(ratios)
        print("stores: \(stores), events: \(events) (loaded in \(String(format: "%.1f", loadSeconds)) s), batch \(batch), \(rounds) rounds")
        print(String(format: "raw sequential read  %9.0f events/s", Statistics.median(reads)) + " (median; rounds: \(list(reads)))")
        print(String(format: "online rebuild       %9.0f events/s", Statistics.median(rebuilds)) + " (median; rounds: \(list(rebuilds)))")
        for phase in phases {
            print(
                String(
                    format: "  a rebuild: read %.2f s, decode+fold %.2f s, write %.2f s, swap %.2f s", phase.readSeconds,
                    phase.foldSeconds, phase.writeSeconds, phase.swapSeconds))
        }
        print(String(format: "rebuild / read: %.2fx", ratio) + " (median of the rounds' ratios: \(list(ratios, "%.2f")); target >= 0.5x)")
        if json {
            let object: [String: Double] = [
                "stores": Double(stores), "events": Double(events), "read_events_per_s": Statistics.median(reads),
                "rebuild_events_per_s": Statistics.median(rebuilds), "ratio": ratio, "load_seconds": loadSeconds,
            ]
            print(try StoreProjection.encodeJSON(object))
        }
    }

    /// Reads the whole log in batches on one connection, as the rebuild does; returns the count.
    private func rawRead(_ pool: PostgresPool) async throws -> Int {
        try await pool.withConnection { connection in
            var cursor = LogCursor.start
            var count = 0
            while true {
                let page = try await PostgresEventStore.readAll(on: connection, after: cursor, limit: batch)
                guard let last = page.last else { return count }
                count += page.count
                cursor = last.cursor
            }
        }
    }

    private func list(_ values: [Double], _ format: String = "%.0f") -> String {
        values.map { String(format: format, $0) }.joined(separator: ", ")
    }
}
