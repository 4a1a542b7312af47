import ArgumentParser
import EventStore
import Foundation
import Logging
import PostgresEvents
import PostgresPersonalData
import PostgresReadModels
import Provisioning

/// `urumi-bench counts`: N stores loaded as real events (`StoreLoader`) and projected, then,
/// alternating in one run, `GET /stores/counts`'s two ways to count them: paging through the
/// whole store list and decoding every store (`StoreCounts.countingPages`, the old way) and
/// the read model's one SQL aggregate (`StoreReadModel.counts()`). Both must agree; prints the
/// median time of each and how many times faster the aggregate is.
struct CountsBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "counts",
        abstract: "Store counts by one SQL aggregate vs by paging through the store list.")

    @OptionGroup var database: DatabaseOption

    @Option(help: "How many stores to load.")
    var stores: Int = 10_000

    @Option(help: "Rounds (each: one count each way, the order alternating).")
    var rounds: Int = 7

    @Flag(help: "End with one line of JSON holding every figure.")
    var json = false

    func validate() throws {
        guard stores > 0, rounds > 0 else { throw ValidationError("--stores and --rounds must be positive") }
    }

    func run() async throws {
        let server = try database.serverURL()
        var logger = Logger(label: "urumi-bench")
        logger.logLevel = .warning
        let (paging, aggregate) = try await BenchDatabase.with(serverURL: server, maxConnections: 8, logger: logger) {
            database in
            _ = try await StoreLoader.load(
                stores, into: PostgresEventStore(pool: database.pool, logger: logger),
                vault: PostgresPersonalDataVault(pool: database.pool))
            let projector = PostgresStoreProjector(pool: database.pool, logger: logger, clock: ContinuousClock())
            while try await projector.runBatch() > 0 {}
            try await database.pool.query("vacuum analyze store_view")
            let readModel = PostgresStoreReadModel(pool: database.pool, progress: nil)
            var paging: [Double] = []
            var aggregate: [Double] = []
            for round in 0..<rounds {
                // Alternate which goes first, so a warm cache favours neither.
                var counted: [StoreCounts] = []
                for side in round.isMultiple(of: 2) ? [0, 1] : [1, 0] {
                    let start = ContinuousClock.now
                    if side == 0 {
                        counted.append(try await StoreCounts.countingPages(readModel))
                        paging.append((ContinuousClock.now - start).seconds * 1000)
                    } else {
                        counted.append(try await readModel.counts())
                        aggregate.append((ContinuousClock.now - start).seconds * 1000)
                    }
                }
                guard counted[0] == counted[1], counted[0].total == stores else {
                    throw BenchError.unexpected("the two ways disagree: \(counted[0]) vs \(counted[1])")
                }
            }
            return (paging, aggregate)
        }
        let ratio = Statistics.median(paging) / Statistics.median(aggregate)
        print("stores: \(stores), \(rounds) rounds (the same counts each way, every round)")
        print(String(format: "paging + decoding   %8.1f ms", Statistics.median(paging)) + " (median; rounds: \(list(paging)))")
        print(String(format: "one SQL aggregate   %8.1f ms", Statistics.median(aggregate)) + " (median; rounds: \(list(aggregate)))")
        print(String(format: "aggregate is %.1fx faster than paging (median of each)", ratio))
        if json {
            let object: [String: Double] = [
                "stores": Double(stores), "paging_ms": Statistics.median(paging),
                "aggregate_ms": Statistics.median(aggregate), "ratio": ratio,
            ]
            print(try StoreProjection.encodeJSON(object))
        }
    }

    private func list(_ values: [Double]) -> String {
        values.map { String(format: "%.1f", $0) }.joined(separator: ", ")
    }
}
