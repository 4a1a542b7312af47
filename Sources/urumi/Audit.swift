import ArgumentParser
import EventStore
import Foundation
import HTTPAPI
import Logging
import PostgresEvents
import PostgresPersonalData
import PostgresReadModels
import Provisioning

struct Audit: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Query the event log: who did what, and when.")

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case table
        case csv
        case json
    }

    @OptionGroup var database: DatabaseOptions

    @Option(help: "Only this store's events (store id).")
    var store: String?

    @Option(help: "Only these event types, comma-separated (e.g. store.requested.v2,store.failed.v1).")
    var type: String?

    @Option(help: "Only events recorded for this actor (token name, or 'system').")
    var actor: String?

    @Option(help: "Recorded at or after this ISO 8601 time.")
    var since: String?

    @Option(help: "Recorded before this ISO 8601 time.")
    var until: String?

    @Option(help: "Start after this cursor (the 'next' of a previous page).")
    var after: String?

    @Option(help: "At most this many events (1-100000).")
    var limit: Int = 100

    @Option(help: "table, csv or json.")
    var format: Format = .table

    func run() async throws {
        var filter = AuditFilter(limit: limit)
        guard (1...100_000).contains(limit) else { throw ValidationError("--limit must be 1-100000") }
        if let store {
            guard let id = StoreID(store.lowercased()) else { throw ValidationError("--store must be a store id") }
            filter.stream = id.streamID
        }
        if let type {
            filter.types = type.split(separator: ",").map(String.init)
            if let refusal = EventExport.unknownTypes(filter.types) { throw ValidationError("--type: \(refusal)") }
        }
        filter.actor = actor
        filter.since = try since.map { try date($0, "--since") }
        filter.until = try until.map { try date($0, "--until") }
        if let after {
            guard let cursor = LogCursor(after) else { throw ValidationError("--after must be a cursor such as 1234-56") }
            filter.after = cursor
        }
        let pool = try database.makePool(logger: Logger(label: "urumi.audit"))
        let (events, keys) = try await failing {
            let store = PostgresEventStore(pool: pool, logger: Logger(label: "urumi.audit"))
            var found: [RecordedEvent] = []
            var page = filter
            page.limit = min(filter.limit, 1000)
            while found.count < filter.limit {
                let batch = try await store.audit(page)
                found += batch.prefix(filter.limit - found.count)
                guard let last = batch.last, batch.count == page.limit else { break }
                page.after = last.cursor
            }
            let keys = try await PostgresPersonalDataVault(pool: pool).keyRing(for: found)
            await pool.close()
            return (found, keys)
        }
        // The same JSON and CSV as GET /audit (token hashes left out the same way).
        switch format {
        case .json:
            print(try EventExport.json(
                    events, next: events.count == filter.limit ? events.last!.cursor.description : nil, keys: keys))
        case .csv:
            print(EventExport.csv(events, keys: keys), terminator: "")
        case .table:
            print(pad("CURSOR", 16) + pad("RECORDED AT", 26) + pad("STORE", 38) + pad("TYPE", 36) + "ACTOR")
            for event in events {
                let store = StoreID(streamID: event.streamID)?.description ?? event.streamID.rawValue
                print(
                    pad(event.cursor.description, 16) + pad(StoreEvent.formatDate(event.recordedAt), 26) + pad(store, 38)
                        + pad(event.type, 36) + event.metadata.actor)
            }
            if events.count == filter.limit, let last = events.last { print("more: --after \(last.cursor)") }
        }
    }

    private func date(_ text: String, _ flag: String) throws -> Date {
        guard let date = StoreEvent.parseDate(text) else {
            throw ValidationError("\(flag) must be an ISO 8601 time such as 2026-11-27T15:00:00Z")
        }
        return date
    }

    private func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text + " " : text + String(repeating: " ", count: width - text.count)
    }
}
