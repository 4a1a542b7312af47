import EventStore
import Foundation
import HTTPTypes
import Hummingbird
import Provisioning

/// `/stores`: create, list, show, delete, retry, forget.
struct StoreRoutes {
    typealias Context = APIContext

    let environment: APIEnvironment

    func register(on router: RouterGroup<Context>) {
        let stores = router.group("stores")
        stores.post(use: create)
        stores.get(use: list)
        stores.get(":id", use: show)
        stores.delete(":id", use: delete)
        stores.post(":id/retry", use: retry)
        stores.post(":id/forget", use: forget)
        stores.get(":id/credentials", use: credentials)
    }

    /// The body of a command's answer.
    struct CommandResponse: Encodable {
        let id: StoreID
        let status: StoreStatus
        /// Log cursor of the command's events: pass it as `min_position` to read your write.
        let position: String?
        let replayed: Bool
        let store: StoreView
        let cluster: ClusterInfo
    }

    struct StoreResponse: Encodable {
        let store: StoreView
        let cluster: ClusterInfo
        /// False when `min_position` was given and the read model had not reached it in time.
        let upToDate: Bool
        /// Time travel (`?at=` or `?version=`): the instant asked for, the time of the last event
        /// folded, and its stream version.
        var asOf: Date? = nil
        var asOfEvent: Date? = nil

        func encode(to encoder: any Encoder) throws {
            try store.encode(to: encoder)
            var container = encoder.container(keyedBy: Keys.self)
            try container.encode(cluster, forKey: .cluster)
            try container.encode(upToDate, forKey: .upToDate)
            try container.encodeIfPresent(asOf, forKey: .asOf)
            try container.encodeIfPresent(asOfEvent, forKey: .asOfEvent)
        }

        enum Keys: String, CodingKey {
            case cluster
            case upToDate
            case asOf
            case asOfEvent
        }
    }

    /// The list's envelope; its items are spliced in as stored (`StorePage.items`).
    struct ListEnvelope: Encodable {
        let next: String?
        /// The log position the list reflects at least.
        let position: String?
        let cluster: ClusterInfo

        enum CodingKeys: String, CodingKey {
            case next, position, cluster
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(next, forKey: .next)  // null on the last page, not absent
            try container.encodeIfPresent(position, forKey: .position)
            try container.encode(cluster, forKey: .cluster)
        }
    }

    /// `{"items":[...],` + the envelope's members: the rows' JSON goes out as the projector
    /// stored it, so a page costs its rows' bytes, not their decoding and encoding.
    func listResponse(items: [String], envelope: ListEnvelope) throws -> Response {
        let buffer = try listBody(items: items, envelope: envelope)
        return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: buffer))
    }

    func listBody(items: [String], envelope: ListEnvelope) throws -> ByteBuffer {
        let members = try APIJSON.encoder.encode(envelope)  // {"cluster":...,"next":...}
        var buffer = ByteBuffer()
        buffer.reserveCapacity(items.reduce(members.count + 16) { $0 + $1.utf8.count + 1 })
        buffer.writeString(#"{"items":["#)
        for (index, item) in items.enumerated() {
            if index > 0 { buffer.writeString(",") }
            buffer.writeString(item)
        }
        buffer.writeString("],")
        buffer.writeBytes(members.dropFirst())
        return buffer
    }

    @Sendable func create(_ request: Request, context: Context) async throws -> Response {
        let body = try await APIJSON.object(from: request, allowed: ["name", "domain", "adminEmail", "plan", "from"])
        var typeErrors: [FieldError] = []
        let clone = try cloneRequest(body["from"])
        if clone != nil { try requireBackups(environment) }
        let name = APIJSON.string(body, "name", errors: &typeErrors)
        let domain = APIJSON.string(body, "domain", errors: &typeErrors)
        let email = APIJSON.string(body, "adminEmail", errors: &typeErrors)
        let plan = APIJSON.string(body, "plan", errors: &typeErrors)
        if !typeErrors.isEmpty { throw ProvisioningError.validation(typeErrors) }
        let key = try idempotencyKey(request)
        let outcome = try await environment.commands.create(
            name: name, domain: domain, adminEmail: email, plan: plan, metadata: metadata(context), idempotencyKey: key,
            cloneOf: clone)
        return try commandResponse(outcome, status: outcome.replayed ? .ok : .accepted)
    }

    /// `from: {"store": ID, "backup": ID, "scrub": true}`: a clone of another store's backup
    /// (`scrub` defaults to true: a staging copy carries no customer's personal data unless asked).
    private func cloneRequest(_ value: JSONValue?) throws -> CloneRequest? {
        guard let value, value != .null else { return nil }
        guard case .object(let from) = value else {
            throw ProvisioningError.validation([FieldError(field: "from", message: "must be an object {store, backup, scrub}")])
        }
        var errors = Set(from.keys).subtracting(["store", "backup", "scrub"]).sorted().map {
            FieldError(field: "from.\($0)", message: "is not a known field")
        }
        var fieldErrors: [FieldError] = []
        let storeText = APIJSON.string(from, "store", errors: &fieldErrors)
        let backupText = APIJSON.string(from, "backup", errors: &fieldErrors)
        errors += fieldErrors.map { FieldError(field: "from.\($0.field)", message: $0.message) }
        var scrub = true
        if let raw = from["scrub"], raw != .null {
            if case .bool(let flag) = raw { scrub = flag } else { errors.append(FieldError(field: "from.scrub", message: "must be true or false")) }
        }
        let store = storeText.flatMap { StoreID($0.lowercased()) }
        if store == nil { errors.append(FieldError(field: "from.store", message: storeText == nil ? "is required" : "must be a store id")) }
        var backup: String?
        do { backup = try backupID(backupText, field: "from.backup") } catch let error as ProvisioningError {
            if case .validation(let more) = error { errors += more }
        }
        guard errors.isEmpty, let store, let backup else { throw ProvisioningError.validation(errors) }
        return CloneRequest(store: store, backup: backup, scrub: scrub)
    }

    @Sendable func list(_ request: Request, context: Context) async throws -> Response {
        let query = request.uri.queryParameters
        var statuses: [StoreStatus] = []
        if let text = query["status"].map(String.init) {
            // One status, several (comma-separated), or `!deleted` style exclusions.
            let negate = text.hasPrefix("!")
            let parsed = (negate ? String(text.dropFirst()) : text).split(separator: ",").map { StoreStatus(rawValue: String($0)) }
            guard !parsed.isEmpty, parsed.allSatisfy({ $0 != nil }) else {
                throw badParameter(
                    "status",
                    "must be one or more of \(StoreStatus.allCases.map(\.rawValue).joined(separator: ", ")), comma-separated, optionally after !")
            }
            let named = parsed.compactMap { $0 }
            statuses = negate ? StoreStatus.allCases.filter { !named.contains($0) } : named
            if statuses.isEmpty {
                return try listResponse(items: [], envelope: ListEnvelope(next: nil, position: nil, cluster: environment.cluster))
            }
        }
        var limit = 50
        if let text = query["limit"].map(String.init) {
            guard let parsed = Int(text), (1...500).contains(parsed) else { throw badParameter("limit", "must be 1-500") }
            limit = parsed
        }
        let search = try searchParameter(query["q"].map(String.init))
        let after = query["after"].map(String.init)
        if let health = query["health"].map(String.init) {
            return try await healthFiltered(health, statuses: statuses, search: search, after: after, limit: limit)
        }
        let page = try await environment.readModel.page(statuses: statuses, search: search, after: after, limit: limit)
        let key = ListBodyCache.Key(
            statuses: statuses.sorted { $0.rawValue < $1.rawValue }, search: search, after: after, limit: limit,
            position: page.position)
        if let body = environment.listBodies.body(key) {
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: body))
        }
        let body = try listBody(
            items: page.items,
            envelope: ListEnvelope(next: page.next, position: page.position.description, cluster: environment.cluster))
        environment.listBodies.keep(body, for: key)
        return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: body))
    }

    /// `q`: a case-insensitive substring of the name or domain, at most 100 characters, no
    /// control characters; spaces around it are ignored, and an empty one searches nothing.
    private func searchParameter(_ text: String?) throws -> String? {
        guard let text else { return nil }
        guard text.count <= 100 else { throw badParameter("q", "must be at most 100 characters") }
        guard !text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw badParameter("q", "must not contain control characters")
        }
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        return trimmed.isEmpty ? nil : trimmed
    }

    @Sendable func show(_ request: Request, context: Context) async throws -> Response {
        let id = try storeID(context)
        if let past = try await travel(id, request) { return past }
        if let text = request.uri.queryParameters["min_position"].map(String.init) {
            guard let cursor = LogCursor(text) else {
                throw badParameter("min_position", "must be a position returned by a command, e.g. 1234-56")
            }
            // Read-your-writes: wait briefly for the store list; if it lags (a long writing
            // transaction elsewhere on the server holds every log reader back), answer from
            // the store's own stream, which is the truth and is never held back.
            if try await !environment.readModel.waitUntil(cursor, timeout: .seconds(2)) {
                let events = try await environment.events.readStream(id.streamID)
                guard let state = try await fold(events) else { throw ProvisioningError.storeNotFound(id) }
                let reached = (events.last?.cursor ?? .start) >= cursor
                return try APIJSON.response(StoreResponse(store: StoreView(state), cluster: environment.cluster, upToDate: reached))
            }
        }
        if let view = try await environment.readModel.store(id) {
            return try APIJSON.response(StoreResponse(store: view, cluster: environment.cluster, upToDate: true))
        }
        // Not in the store list (yet): a store created a moment ago while the projector lags.
        // The store's stream is the truth; a store is "not found" only when it has none.
        guard let state = try await fold(try await environment.events.readStream(id.streamID)) else {
            throw ProvisioningError.storeNotFound(id)
        }
        return try APIJSON.response(StoreResponse(store: StoreView(state), cluster: environment.cluster, upToDate: true))
    }

    /// `?final_backup=false` deletes without the final backup (by default one is taken first
    /// when the store has a shop, and kept for the retention window; the deletion follows it).
    @Sendable func delete(_ request: Request, context: Context) async throws -> Response {
        var finalBackup = environment.backups.finalBackup
        if let text = request.uri.queryParameters["final_backup"].map(String.init) {
            guard let value = Bool(text) else { throw badParameter("final_backup", "must be true or false") }
            finalBackup = value
        }
        let outcome = try await environment.commands.delete(
            try storeID(context), finalBackupUntil: finalBackup ? environment.backups.finalKeepUntil(Date()) : nil,
            metadata: metadata(context))
        if outcome.operation != nil { return try operationResponse(outcome, environment: environment) }
        return try commandResponse(outcome, status: .accepted)
    }

    @Sendable func retry(_ request: Request, context: Context) async throws -> Response {
        let outcome = try await environment.commands.retry(try storeID(context), metadata: metadata(context))
        return try commandResponse(outcome, status: .accepted)
    }

    /// Admin (a POST): destroys the store's key; its personal fields read "[erased]" from now on,
    /// everywhere. Recorded as `store.forgotten.v1` (by whom, nothing personal). 200: it is done.
    /// A store whose stream was archived has no state left to show: its key is destroyed and
    /// the forget recorded all the same (`forgetArchived`), and the answer says so
    /// (`ArchivedForgetResponse`); a store without a key either is a 404.
    @Sendable func forget(_ request: Request, context: Context) async throws -> Response {
        let id = try storeID(context)
        do {
            return try commandResponse(try await environment.commands.forget(id, metadata: metadata(context)), status: .ok)
        } catch ProvisioningError.storeNotFound {
            let done = try await environment.commands.forgetArchived(id, metadata: metadata(context))
            return try APIJSON.response(
                ArchivedForgetResponse(id: done.id, position: done.cursor?.description, replayed: done.replayed))
        }
    }

    /// The answer to forgetting an archived store: no store to show, only what was done.
    struct ArchivedForgetResponse: Encodable {
        let id: StoreID
        /// The stream was archived (`urumi events archive`); its events are in the archive file.
        let archived = true
        /// Where `store.forgotten.v1` landed (absent when the key was already destroyed).
        let position: String?
        let replayed: Bool
    }

    /// A store's events folded, their sealed fields opened with the store's key.
    private func fold(_ events: [RecordedEvent]) async throws -> StoreState? {
        try StoreProjection.fold(events, keys: try await environment.vault.keyRing(for: events))
    }

    /// Admin only (a GET that reveals a secret): the WordPress admin login, audited.
    @Sendable func credentials(_ request: Request, context: Context) async throws -> Response {
        guard context.identity?.allows(.admin) == true else {
            throw Problem(.forbidden, status: .forbidden, title: "Forbidden", detail: "reading credentials needs the admin role")
        }
        let login = try await environment.credentials.credentials(try storeID(context), metadata: metadata(context))
        return try APIJSON.response(login, headers: [.cacheControl: "no-store"])
    }

    private func commandResponse(_ outcome: StoreCommandHandler.Outcome, status: HTTPResponse.Status) throws -> Response {
        let body = CommandResponse(
            id: outcome.id, status: outcome.state.status, position: outcome.cursor?.description,
            replayed: outcome.replayed, store: StoreView(outcome.state), cluster: environment.cluster)
        return try APIJSON.response(body, status: status, headers: [.location: "/stores/\(outcome.id)"])
    }

    /// `?at=TIME` or `?version=N`: the store as it was then, folded from its stream up to the
    /// last event recorded at or before `at` (or up to stream version `N`). Nil without either.
    private func travel(_ id: StoreID, _ request: Request) async throws -> Response? {
        let query = request.uri.queryParameters
        let atText = query["at"].map(String.init)
        let versionText = query["version"].map(String.init)
        guard atText != nil || versionText != nil else { return nil }
        guard atText == nil || versionText == nil else { throw badParameter("at", "and version exclude each other") }
        var at: Date?
        var version: Int64?
        if let atText {
            guard let parsed = StoreEvent.parseDate(atText) else {
                throw badParameter("at", "must be an ISO 8601 time such as 2026-11-27T15:00:00Z")
            }
            at = parsed
        }
        if let versionText {
            guard let parsed = Int64(versionText), parsed >= 1 else { throw badParameter("version", "must be a stream version (1 or more)") }
            version = parsed
        }
        let events = try await environment.events.readStream(id.streamID)
        guard !events.isEmpty else { throw ProvisioningError.storeNotFound(id) }
        let then = StoreProjection.history(events, at: at, version: version)
        guard let last = then.last, let state = try await fold(then) else {
            throw Problem(
                .notFound, status: .notFound, title: "Store not found",
                detail: "store \(id) did not exist yet at \(atText ?? "version \(versionText ?? "")")")
        }
        let body = StoreResponse(
            store: StoreView(state), cluster: environment.cluster, upToDate: true, asOf: at, asOfEvent: last.recordedAt)
        return try APIJSON.response(body)
    }

    private func badParameter(_ name: String, _ message: String) -> Problem {
        Problem(
            .badParameter, status: .badRequest, title: "Invalid parameter", detail: "\(name) \(message)",
            errors: [FieldError(field: name, message: message)])
    }
}
