import EventStore
import Foundation
import HTTPTypes
import Hummingbird
import Provisioning

/// `GET /audit` and `GET /stores/{id}/events`: the log, filtered, paged, as JSON or CSV.
struct AuditRoutes {
    typealias Context = APIContext

    let environment: APIEnvironment

    func register(on router: RouterGroup<Context>) {
        router.get("audit") { request, context in
            try await self.answer(request, store: nil)
        }
        router.get("stores/:id/events") { request, context in
            let text = context.parameters.get("id") ?? ""
            guard let id = StoreID(text.lowercased()) else {
                throw Problem(.notFound, status: .notFound, title: "Store not found", detail: "no store with id \(text.prefix(64))")
            }
            // The log is the truth: a store exists when its stream does.
            let first = try await environment.events.readStream(id.streamID, fromVersion: 1, limit: 1)
            guard !first.isEmpty else { throw ProvisioningError.storeNotFound(id) }
            return try await self.answer(request, store: id)
        }
    }

    func answer(_ request: Request, store: StoreID?) async throws -> Response {
        let query = request.uri.queryParameters
        var filter = AuditFilter()
        if let store {
            filter.stream = store.streamID
        } else if let text = query["store"].map(String.init) {
            guard let id = StoreID(text.lowercased()) else { throw bad("store", "is not a store id") }
            filter.stream = id.streamID
        }
        if let text = query["type"].map(String.init) {
            // Empty entries are kept so that `type=` or `type=a,,b` is refused, not read as "all".
            filter.types = text.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            guard filter.types.allSatisfy({ !$0.isEmpty && $0.count <= 100 }) else { throw bad("type", "must be event types separated by commas") }
            if let refusal = EventExport.unknownTypes(filter.types) { throw bad("type", refusal) }
        }
        if let actor = query["actor"].map(String.init) {
            guard !actor.isEmpty, actor.count <= 200 else { throw bad("actor", "must be 1-200 characters") }
            filter.actor = actor
        }
        filter.since = try date(query["since"].map(String.init), "since")
        filter.until = try date(query["until"].map(String.init), "until")
        if let text = query["after"].map(String.init) {
            guard let cursor = LogCursor(text) else { throw bad("after", "is not a valid cursor") }
            filter.after = cursor
        }
        filter.limit = 100
        if let text = query["limit"].map(String.init) {
            guard let limit = Int(text), (1...1000).contains(limit) else { throw bad("limit", "must be 1-1000") }
            filter.limit = limit
        }
        let format = query["format"].map(String.init) ?? "json"
        guard format == "json" || format == "csv" else { throw bad("format", "must be json or csv") }

        let found = try await environment.audit.audit(filter)
        let keys = try await environment.vault.keyRing(for: found)
        let next = found.count == filter.limit ? found.last?.cursor.description : nil
        if format == "csv" {
            var headers: HTTPFields = [.contentType: "text/csv; charset=utf-8"]
            if let next { headers[HTTPField.Name("Urumi-Next-Cursor")!] = next }
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: EventExport.csv(found, keys: keys))))
        }
        return try APIJSON.response(EventExport.Page(items: found.map { PublicEvent($0, keys: keys) }, next: next))
    }

    private func date(_ text: String?, _ field: String) throws -> Date? {
        guard let text else { return nil }
        guard let date = StoreEvent.parseDate(text) else {
            throw bad(field, "must be an ISO 8601 time such as 2026-11-27T15:00:00Z")
        }
        return date
    }

    private func bad(_ field: String, _ message: String) -> Problem {
        Problem(
            .badParameter, status: .badRequest, title: "Invalid parameter", detail: "\(field) \(message)",
            errors: [FieldError(field: field, message: message)])
    }
}

