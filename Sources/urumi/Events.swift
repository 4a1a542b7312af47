import ArgumentParser
import Auth
import EventStore
import Foundation
import Logging
import PostgresEvents
import PostgresPersonalData
import Provisioning

/// `urumi events check`: reads the whole log and decodes every event into today's shape, so a
/// release that can no longer read an old event is found before it is deployed.
struct Events: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The event log itself.", subcommands: [Check.self, SealLegacy.self, Archive.self])

    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Decode every event of the log; list the ones this version cannot read (exit 1 if any).")

        @OptionGroup var database: DatabaseOptions
        @Option(help: "Events read per query.") var batch: Int = 1000
        @Flag(help: "Print the result as JSON.") var json = false

        struct Problem: Encodable {
            let position: String
            let stream: String
            let version: Int64
            let type: String
            let reason: String
        }

        struct Report: Encodable {
            let events: Int
            let byType: [String: Int]
            let unknownTypes: [String: Int]
            let undecodable: [Problem]
        }

        func run() async throws {
            guard batch >= 1 else { throw ValidationError("--batch must be at least 1") }
            let logger = Logger(label: "urumi.events")
            let pool = try database.makePool(logger: logger)
            let report = try await failing {
                do {
                    let report = try await scan(PostgresEventStore(pool: pool, logger: logger))
                    await pool.close()
                    return report
                } catch {
                    await pool.close()
                    throw error
                }
            }
            if json {
                print(try StoreProjection.encodeJSON(report))
            } else {
                print("\(report.events) events, \(report.byType.count) types")
                for (type, count) in report.byType.sorted(by: { $0.key < $1.key }) { print("  \(type)\t\(count)") }
                for (type, count) in report.unknownTypes.sorted(by: { $0.key < $1.key }) {
                    print("unknown type \(type): \(count) (skipped by projections, kept in the log)")
                }
                for problem in report.undecodable {
                    print("UNDECODABLE \(problem.position) \(problem.stream)@\(problem.version) \(problem.type): \(problem.reason)")
                }
            }
            if !report.undecodable.isEmpty { throw ExitCode.failure }
        }

        private func scan(_ events: any EventStore) async throws -> Report {
            var cursor = LogCursor.start
            var count = 0
            var byType: [String: Int] = [:]
            var unknown: [String: Int] = [:]
            var problems: [Problem] = []
            // Today's types and the superseded ones read through upcasters.
            let known = StoreEvent.knownTypes.union(TokenRegistry.eventTypes)
            while true {
                let page = try await events.readAll(after: cursor, limit: batch)
                guard let last = page.last else { break }
                for event in page {
                    count += 1
                    byType[event.type, default: 0] += 1
                    guard known.contains(event.type) else {
                        unknown[event.type, default: 0] += 1
                        continue
                    }
                    do {
                        if event.type.hasPrefix("store.") { _ = try StoreEvent(event) } else { try TokenRegistry.check(event) }
                    } catch {
                        problems.append(
                            Problem(
                                position: event.cursor.description, stream: event.streamID.rawValue, version: event.version,
                                type: event.type, reason: "\(error)"))
                    }
                }
                cursor = last.cursor
            }
            return Report(events: count, byType: byType, unknownTypes: unknown, undecodable: problems)
        }
    }
}

extension Events {
    /// `urumi events seal-legacy`: seals the admin e-mail of requests written before sealing
    /// (`store.requested.v1`, in clear) with their stores' keys, in place, so that those stores
    /// can be forgotten too. The one rewrite of the log (docs/decisions/personal-data.md).
    struct SealLegacy: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "seal-legacy",
            abstract: "Seal the admin e-mails that old requests (store.requested.v1) hold in clear; rewrites those events in place.")

        @OptionGroup var database: DatabaseOptions
        @Flag(help: "Only count them.") var dryRun = false
        @Flag(help: "Print the result as JSON.") var json = false

        func run() async throws {
            let pool = try database.makePool(logger: Logger(label: "urumi.events"))
            let (count, left) = try await failing {
                do {
                    let count =
                        dryRun
                        ? try await LegacySealing.pending(pool: pool)
                        : try await LegacySealing.run(pool: pool, vault: PostgresPersonalDataVault(pool: pool))
                    let left = try await LegacySealing.pending(pool: pool)
                    await pool.close()
                    return (count, left)
                } catch {
                    await pool.close()
                    throw error
                }
            }
            if json {
                print(#"{"\#(dryRun ? "inClear" : "sealed")":\#(count),"left":\#(left)}"#)
            } else if dryRun {
                print("\(count) requests hold the admin e-mail in clear")
            } else {
                print("sealed \(count) requests; \(left) left in clear")
            }
        }
    }
}

extension Events {
    /// `urumi events archive`: retention (docs/decisions/retention.md).
    struct Archive: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Move the streams of stores deleted long ago to a compressed archive file (verified first), out of the live log.",
            discussion: "Read them back with `urumi audit --archive FILE`.")

        @OptionGroup var database: DatabaseOptions
        @Option(help: "Stores deleted more than this long ago: 30d, 12h, 45m, 0d (all deleted stores).")
        var deletedBefore: String
        @Option(help: "The archive file to write (gzip'd JSON lines; refused if it exists).")
        var to: String
        @Flag(help: "Write and verify the archive, but remove nothing from the log.") var dryRun = false
        @Flag(help: "Print the result as JSON.") var json = false

        func run() async throws {
            guard let age = Self.duration(deletedBefore) else {
                throw ValidationError("--deleted-before must be a number with d, h or m, e.g. 30d")
            }
            let file = URL(fileURLWithPath: to)
            guard !FileManager.default.fileExists(atPath: file.path) else { throw ValidationError("\(to) exists already") }
            let pool = try database.makePool(logger: Logger(label: "urumi.events"))
            let report = try await failing {
                do {
                    let streams = try await LogArchive.deletedStreams(before: Date().addingTimeInterval(-age), pool: pool)
                    let report =
                        streams.isEmpty
                        ? LogArchive.Report(streams: 0, events: 0, removed: false)
                        : try await LogArchive.archive(streams: streams, to: file, pool: pool, dryRun: dryRun)
                    await pool.close()
                    return report
                } catch {
                    await pool.close()
                    throw error
                }
            }
            if json {
                print(try StoreProjection.encodeJSON(report))
            } else if report.streams == 0 {
                print("no store was deleted before then: nothing archived")
            } else {
                print(
                    "archived \(report.events) events of \(report.streams) deleted stores to \(to) (verified)"
                        + (report.removed ? "; removed from the live log" : "; dry run: the log is unchanged"))
            }
        }

        /// Seconds in `30d`, `12h`, `45m`.
        static func duration(_ text: String) -> TimeInterval? {
            guard let unit = text.last, let number = Double(text.dropLast()), number >= 0 else { return nil }
            switch unit {
            case "d": return number * 86_400
            case "h": return number * 3_600
            case "m": return number * 60
            default: return nil
            }
        }
    }
}
