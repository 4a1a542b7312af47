import ArgumentParser
import Foundation
import Logging
import Postgres
import PostgresEvents
import PostgresReadModels

/// `urumi-bench append`: the event store's append throughput against a raw INSERT baseline
/// (and against commit-ordered appends under an advisory lock), plus subscription delivery
/// latency, all in one run on a fresh database.
struct AppendBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "append",
        abstract: "Append throughput of the event store vs a raw INSERT baseline, and delivery latency.",
        discussion: """
            Creates a database urumi_bench_<random> on the server, migrates it, measures, and drops it.
            A case runs --repeats rounds; in each round every side runs for --seconds, in an order
            that rotates from round to round. Events/s are the median of a side's runs; a ratio is the
            median of the per-round ratios, so that load from elsewhere hits both sides of a ratio
            alike. Measure against a server with durable settings.
            """)

    @OptionGroup var database: DatabaseOption

    @Flag(help: "End with one line of JSON holding every figure.")
    var json = false

    @Option(help: "Length of one measured run, in seconds.")
    var seconds: Double = 1.5

    @Option(help: "Rounds per case (each side runs once per round); medians are reported.")
    var repeats: Int = 7

    @Option(help: "Writer counts for the one-event-per-transaction cases, comma-separated.")
    var writers: String = "1,8"

    @Option(help: "Writer counts for the batch cases, comma-separated (empty for none).")
    var batchWriters: String = "1,4"

    @Option(help: "Events per transaction in the batch cases.")
    var batchSize: Int = 100

    @Option(help: "Appends per second while measuring delivery latency.")
    var rate: Double = 200

    @Option(help: "Length of each delivery latency measurement, in seconds.")
    var latencySeconds: Double = 5

    func validate() throws {
        guard seconds > 0, repeats > 0, batchSize > 0, batchSize <= 1000, rate > 0, latencySeconds > 0 else {
            throw ValidationError(
                "--seconds, --repeats, --rate and --latency-seconds must be positive; --batch-size 1-1000")
        }
        _ = try Self.counts(writers, "--writers")
        _ = try Self.counts(batchWriters, "--batch-writers")
    }

    static func counts(_ text: String, _ option: String) throws -> [Int] {
        let parts = text.split(separator: ",", omittingEmptySubsequences: true)
        let counts = parts.compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard counts.count == parts.count, counts.allSatisfy({ $0 > 0 && $0 <= 64 }) else {
            throw ValidationError("\(option) takes comma-separated writer counts from 1 to 64")
        }
        return counts
    }

    func run() async throws {
        var logger = Logger(label: "urumi-bench")
        logger.logLevel = .warning
        let url = try database.serverURL()
        let single = try Self.counts(writers, "--writers")
        let batches = try Self.counts(batchWriters, "--batch-writers")
        do {
            let report = try await BenchDatabase.with(
                serverURL: url, maxConnections: (single + batches).max()! + 2, logger: logger
            ) { database in
                try await measure(database, single: single, batches: batches, logger: logger)
            }
            if json {
                let data = try JSONSerialization.data(withJSONObject: report, options: [.sortedKeys])
                print(String(decoding: data, as: UTF8.self))
            }
        } catch let error as ValidationError {
            throw error
        } catch {
            FileHandle.standardError.write(Data("urumi-bench: \(error)\n".utf8))
            throw ExitCode.failure
        }
    }

    private func measure(_ database: BenchDatabase, single: [Int], batches: [Int], logger: Logger) async throws
        -> [String: Any]
    {
        let pool = database.pool
        try await pool.query(PostgresQuery(unsafeSQL: RawInsert.createTable))
        var report: [String: Any] = [
            "seconds": seconds, "repeats": repeats, "cpus": ProcessInfo.processInfo.activeProcessorCount,
            "load_average_start": Self.loadAverage(),
        ]
        let settingsRows = try await pool.query(
            """
            select current_setting('server_version') as version, current_setting('fsync') as fsync,
                   current_setting('synchronous_commit') as sync, current_setting('full_page_writes') as fpw
            """)
        guard let settings = settingsRows.first else { throw BenchError.unexpected("the server reported no settings") }
        let fsync = try settings.decode(String.self, "fsync")
        let synchronousCommit = try settings.decode(String.self, "sync")
        report["server_version"] = try settings.decode(String.self, "version")
        report["fsync"] = fsync
        report["synchronous_commit"] = synchronousCommit
        report["full_page_writes"] = try settings.decode(String.self, "fpw")
        print(
            "urumi-bench append: PostgreSQL \(report["server_version"]!), fsync=\(fsync), synchronous_commit=\(synchronousCommit), "
                + "\(report["cpus"]!) CPUs; \(repeats) rounds of \(seconds) s per side; medians (ratios: of per-round ratios)"
        )
        if fsync != "on" || synchronousCommit == "off" {
            print("WARNING: the server is not durable (fsync/synchronous_commit off): these figures flatter both sides")
        }

        let store = PostgresEventStore(pool: pool, logger: logger)
        var cases: [(name: String, writers: Int, batch: Int, sides: [String])] = []
        for count in single {
            cases.append(
                ("\(count)x1", count, 1, count > 1 ? ["baseline", "store", "advisory"] : ["baseline", "store"]))
        }
        for count in batches {
            cases.append(
                (
                    count == 1 ? "batch\(batchSize)" : "\(count)xbatch\(batchSize)", count, batchSize,
                    ["baseline", "store"]
                ))
        }

        print("case            baseline ev/s     store ev/s   store/baseline   advisory-lock ev/s (÷baseline)")
        var runID = 0
        for benchCase in cases {
            func workload(_ side: String) -> any AppendWorkload {
                runID += 1
                let run = "r\(runID)"
                switch side {
                case "store": return StoreAppend(store: store, run: run, batch: benchCase.batch)
                case "advisory": return RawInsert(pool: pool, run: run, batch: benchCase.batch, commitOrdered: true)
                default: return RawInsert(pool: pool, run: run, batch: benchCase.batch)
                }
            }
            // Warm-up: connections, caches, plans.
            for side in benchCase.sides {
                _ = try await eventsPerSecond(
                    workload(side), writers: benchCase.writers, duration: .seconds(min(1, seconds / 3)))
            }
            var runs: [String: [Double]] = [:]
            for repeatIndex in 0..<repeats {
                // Rotate the order so that no side always goes first.
                let shift = repeatIndex % benchCase.sides.count
                for side in benchCase.sides[shift...] + benchCase.sides[..<shift] {
                    let figure = try await eventsPerSecond(
                        workload(side), writers: benchCase.writers, duration: .seconds(seconds))
                    runs[side, default: []].append(figure)
                }
            }
            let baseline = Statistics.median(runs["baseline"]!)
            let storeFigure = Statistics.median(runs["store"]!)
            let ratio = Statistics.median(zip(runs["store"]!, runs["baseline"]!).map { $0 / $1 })
            var line = String(
                format: "%-12@ %16.0f %14.0f %16.2f", benchCase.name as NSString, baseline, storeFigure, ratio)
            report["baseline_\(benchCase.name)_events_per_s"] = baseline.rounded()
            report["store_\(benchCase.name)_events_per_s"] = storeFigure.rounded()
            report["ratio_\(benchCase.name)"] = (ratio * 1000).rounded() / 1000
            report["runs_\(benchCase.name)"] = runs.mapValues { $0.map { $0.rounded() } }
            if let advisoryRuns = runs["advisory"] {
                let advisory = Statistics.median(advisoryRuns)
                let advisoryRatio = Statistics.median(zip(advisoryRuns, runs["baseline"]!).map { $0 / $1 })
                let storeVsAdvisory = Statistics.median(zip(runs["store"]!, advisoryRuns).map { $0 / $1 })
                line += String(format: " %20.0f (%.2f)", advisory, advisoryRatio)
                report["advisory_\(benchCase.name)_events_per_s"] = advisory.rounded()
                report["advisory_ratio_\(benchCase.name)"] = (advisoryRatio * 1000).rounded() / 1000
                report["store_vs_advisory_\(benchCase.name)"] = (storeVsAdvisory * 1000).rounded() / 1000
            }
            print(line)
        }

        for crossProcess in [true, false] {
            let latencies = try await deliveryLatencies(
                database: database, rate: rate, duration: .seconds(latencySeconds), crossProcess: crossProcess,
                logger: logger)
            let p50 = Statistics.percentile(latencies, 50)
            let p99 = Statistics.percentile(latencies, 99)
            let prefix = crossProcess ? "delivery" : "local_delivery"
            report["\(prefix)_p50_ms"] = (p50 * 100).rounded() / 100
            report["\(prefix)_p99_ms"] = (p99 * 100).rounded() / 100
            report["\(prefix)_max_ms"] = ((latencies.max() ?? 0) * 100).rounded() / 100
            report["\(prefix)_events"] = latencies.count
            print(
                String(
                    format: "delivery %@ at %.0f appends/s: p50 %.2f ms, p99 %.2f ms, max %.2f ms (%d events)",
                    crossProcess ? "via NOTIFY to another store" : "within one store", rate, p50, p99,
                    latencies.max() ?? 0, latencies.count))
        }
        report["delivery_rate"] = rate
        report["load_average_end"] = Self.loadAverage()
        print("load average (1 min) at start \(report["load_average_start"]!), at end \(report["load_average_end"]!)")
        return report
    }

    /// The 1-minute load average, to judge how quiet the machine was (Linux; 0 elsewhere).
    static func loadAverage() -> Double {
        guard let text = try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8) else { return 0 }
        return Double(text.split(separator: " ").first ?? "") ?? 0
    }
}
