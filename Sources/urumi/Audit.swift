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

    @Option(help: "With --store: the store as it was at this ISO 8601 time, folded from its stream (table or json).")
    var at: String?

    @Option(help: "Read the events from this archive file (urumi events archive) instead of the live log.")
    var archive: String?

    func run() async throws {
        if let at { return try await storeAsOf(at) }
        if let archive { return try await fromArchive(archive) }
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
        try printEvents(events, keys: keys, more: events.count == filter.limit)
    }

    /// The same JSON and CSV as GET /audit (token hashes left out the same way), or a table.
    private func printEvents(_ events: [RecordedEvent], keys: any PersonalKeyRing, more: Bool) throws {
        switch format {
        case .json:
            print(try EventExport.json(events, next: more ? events.last!.cursor.description : nil, keys: keys))
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
            if more, let last = events.last { print("more: --after \(last.cursor)") }
        }
    }

    /// `--archive FILE`: the archived events (filtered like the log), printed as the audit prints
    /// them; personal fields opened with the stores' keys when the database is at hand.
    private func fromArchive(_ path: String) async throws {
        var filter = AuditFilter(limit: limit)
        if let store {
            guard let id = StoreID(store.lowercased()) else { throw ValidationError("--store must be a store id") }
            filter.stream = id.streamID
        }
        if let type { filter.types = type.split(separator: ",").map(String.init) }
        filter.actor = actor
        filter.since = try since.map { try date($0, "--since") }
        filter.until = try until.map { try date($0, "--until") }
        let lines = try await failing { try LogArchive.load(URL(fileURLWithPath: path)).1 }
        let events = Array(try lines.map { try $0.recorded() }.filter { filter.matches($0) }.prefix(limit))
        var keys: any PersonalKeyRing = NoPersonalKeys()
        if (try? database.resolvedURL()) != nil {
            let pool = try database.makePool(logger: Logger(label: "urumi.audit"))
            keys = try await failing {
                do {
                    let keys = try await PostgresPersonalDataVault(pool: pool).keyRing(for: events)
                    await pool.close()
                    return keys
                } catch {
                    await pool.close()
                    throw error
                }
            }
        }
        try printEvents(events, keys: keys, more: false)
    }

    /// `--store ID --at T`: the store as its stream tells it up to the last event recorded at or
    /// before T (as `GET /stores/{id}?at=T`), its personal fields opened (or "[erased]").
    private func storeAsOf(_ text: String) async throws {
        guard let store, let id = StoreID(store.lowercased()) else { throw ValidationError("--at needs --store ID") }
        guard type == nil, actor == nil, since == nil, until == nil, after == nil else {
            throw ValidationError("--at answers the store at that time: --type, --actor, --since, --until and --after do not apply")
        }
        guard format != .csv else { throw ValidationError("--at prints a store: --format table or json") }
        let instant = try date(text, "--at")
        let pool = try database.makePool(logger: Logger(label: "urumi.audit"))
        let (state, last) = try await failing {
            do {
                let stream = try await PostgresEventStore(pool: pool, logger: Logger(label: "urumi.audit")).readStream(id.streamID)
                guard !stream.isEmpty else { throw ProvisioningError.storeNotFound(id) }
                let then = StoreProjection.history(stream, at: instant)
                let keys = try await PostgresPersonalDataVault(pool: pool).keyRing(for: then)
                let state = try StoreProjection.fold(then, keys: keys)
                await pool.close()
                return (state, then.last)
            } catch {
                await pool.close()
                throw error
            }
        }
        guard let state, let last else {
            FileHandle.standardError.write(Data("urumi: store \(id) did not exist yet at \(text)\n".utf8))
            throw ExitCode.failure
        }
        if format == .table {
            Swift.print("as of \(StoreEvent.formatDate(last.recordedAt)) (version \(last.version), \(last.type))")
        }
        try print(state, json: format == .json)
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
