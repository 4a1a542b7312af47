import EventStore
import Foundation
import Hummingbird
import Provisioning

/// Rollouts: one change (or deletion) applied to many stores in waves, each store through its
/// own operation. `POST /rollouts` (202; `?dry_run=true` answers what would change, 200),
/// `GET /rollouts`, `GET /rollouts/{id}`, `POST /rollouts/{id}/pause|resume|abort`.
struct RolloutRoutes: StoreRequestParsing {
    typealias Context = APIContext

    let environment: APIEnvironment

    func register(on router: RouterGroup<Context>) {
        let rollouts = router.group("rollouts")
        rollouts.post(use: create)
        rollouts.get(use: list)
        rollouts.get(":rollout", use: show)
        rollouts.post(":rollout/pause", use: pause)
        rollouts.post(":rollout/resume", use: resume)
        rollouts.post(":rollout/abort", use: abort)
    }

    static let fields: Set<String> = ["action", "change", "selector", "waves", "maxFailures", "pauseBetween"]

    var service: RolloutService {
        get throws {
            guard let rollouts = environment.rollouts else {
                throw Problem(.notFound, status: .notFound, title: "Not found", detail: "rollouts are not available")
            }
            return rollouts
        }
    }

    @Sendable func create(_ request: Request, context: Context) async throws -> Response {
        let body = try await APIJSON.object(from: request, allowed: Self.fields)
        let parsed = try Self.parse(body)
        let dryRun = request.uri.queryParameters["dry_run"].map(String.init)
        guard dryRun == nil || dryRun == "true" || dryRun == "false" else {
            throw Problem(
                .badParameter, status: .badRequest, title: "Invalid parameter", detail: "dry_run must be true or false",
                errors: [FieldError(field: "dry_run", message: "must be true or false")])
        }
        if dryRun == "true" {
            return try APIJSON.response(try await service.dryRun(parsed))
        }
        let state = try await service.create(parsed, metadata: metadata(context))
        return try APIJSON.response(RolloutView(state), status: .accepted, headers: [.location: "/rollouts/\(state.id)"])
    }

    struct ListBody: Encodable {
        let items: [RolloutView]
    }

    @Sendable func list(_ request: Request, context: Context) async throws -> Response {
        try APIJSON.response(ListBody(items: try await service.list().map(RolloutView.init)))
    }

    @Sendable func show(_ request: Request, context: Context) async throws -> Response {
        let id = try rolloutID(context)
        guard let state = try await service.rollout(id) else { throw Self.notFound(id) }
        return try APIJSON.response(RolloutView(state))
    }

    @Sendable func pause(_ request: Request, context: Context) async throws -> Response {
        try await control(.pause, context)
    }

    @Sendable func resume(_ request: Request, context: Context) async throws -> Response {
        try await control(.resume, context)
    }

    @Sendable func abort(_ request: Request, context: Context) async throws -> Response {
        try await control(.abort, context)
    }

    private func control(_ control: RolloutService.Control, _ context: Context) async throws -> Response {
        let id = try rolloutID(context)
        do {
            return try APIJSON.response(RolloutView(try await service.control(id, control, metadata: metadata(context))))
        } catch RolloutError.notFound {
            throw Self.notFound(id)
        } catch RolloutError.conflict(_, let reason) {
            throw Problem(.conflict, status: .conflict, title: "Conflict", detail: reason)
        }
    }

    private func rolloutID(_ context: Context) throws -> String {
        let text = (context.parameters.get("rollout") ?? "").lowercased()
        guard let uuid = UUID(uuidString: text), uuid.uuidString.lowercased() == text else { throw Self.notFound(String(text.prefix(64))) }
        return text
    }

    static func notFound(_ id: String) -> Problem {
        Problem(.notFound, status: .notFound, title: "Rollout not found", detail: "no rollout with id \(id)")
    }

    /// The request body as a validated rollout request (every field's problem reported).
    static func parse(_ body: [String: JSONValue]) throws -> RolloutService.Request {
        var errors: [FieldError] = []
        var action = RolloutEvent.Action.update
        if let value = body["action"], value != .null {
            if let text = value.string, let parsed = RolloutEvent.Action(rawValue: text) {
                action = parsed
            } else {
                errors.append(FieldError(field: "action", message: "must be update or delete"))
            }
        }
        var change: StoreChange?
        switch (action, body["change"]) {
        case (.update, .object(let fields)?):
            let unknown = Set(fields.keys).subtracting(["name", "plan", "wordpressVersion", "woocommerceVersion", "plugins"])
            errors += unknown.sorted().map { FieldError(field: "change.\($0)", message: "is not a known field") }
            if unknown.isEmpty {
                do {
                    change = try StoreChange.validate(try StoreOperationRoutes.changeInput(fields))
                } catch ProvisioningError.validation(let problems) {
                    errors += problems.map { FieldError(field: "change.\($0.field)", message: $0.message) }
                }
            }
        case (.update, _):
            errors.append(FieldError(field: "change", message: "must be an object with the fields of PATCH /stores/{id}"))
        case (.delete, nil), (.delete, .null?):
            break
        case (.delete, _):
            errors.append(FieldError(field: "change", message: "must be absent for a deletion"))
        }
        var selector = RolloutEvent.Selector()
        switch body["selector"] {
        case nil, .null?:
            if action == .delete {
                errors.append(FieldError(field: "selector", message: "a deletion names its stores (selector.ids)"))
            }
        case .object(let fields)?:
            for key in Set(fields.keys).subtracting(["plan", "status", "ids"]).sorted() {
                errors.append(FieldError(field: "selector.\(key)", message: "is not a known field"))
            }
            if let value = fields["plan"], value != .null {
                if let plan = value.string.flatMap(Plan.init(rawValue:)) { selector.plan = plan } else {
                    errors.append(FieldError(field: "selector.plan", message: "must be one of \(Plan.allCases.map(\.rawValue).joined(separator: ", "))"))
                }
            }
            if let value = fields["status"], value != .null {
                if let status = value.string.flatMap(StoreStatus.init(rawValue:)) { selector.status = status } else {
                    errors.append(FieldError(field: "selector.status", message: "must be a store status"))
                }
            }
            if let value = fields["ids"], value != .null {
                if case .array(let items) = value, !items.isEmpty, items.count <= RolloutEvent.storeLimit,
                    case let ids = items.compactMap({ $0.string.flatMap { StoreID($0.lowercased()) } }), ids.count == items.count
                {
                    selector.ids = ids
                } else {
                    errors.append(FieldError(field: "selector.ids", message: "must be a non-empty array of store ids (at most \(RolloutEvent.storeLimit))"))
                }
            }
            if action == .delete && selector.ids == nil {
                errors.append(FieldError(field: "selector.ids", message: "a deletion names its stores"))
            }
        default:
            errors.append(FieldError(field: "selector", message: "must be an object"))
        }
        var waves = RolloutPlanner.defaultWaves
        if let value = body["waves"], value != .null {
            if case .array(let items) = value, !items.isEmpty, items.count <= 20,
                case let steps = items.compactMap(waveStep), steps.count == items.count
            {
                waves = steps
            } else {
                errors.append(
                    FieldError(field: "waves", message: "must be 1-20 steps, each a count of stores (1) or a percentage (\"10%\", up to 100)"))
            }
        }
        var maxFailures = 0
        if let value = body["maxFailures"], value != .null {
            if case .number(let number) = value, number >= 0, number <= 1_000_000, number == number.rounded() {
                maxFailures = Int(number)
            } else {
                errors.append(FieldError(field: "maxFailures", message: "must be a whole number, 0 or more"))
            }
        }
        var pause = 0
        if let value = body["pauseBetween"], value != .null {
            if let text = value.string, let ms = pauseMilliseconds(text) { pause = ms } else {
                errors.append(FieldError(field: "pauseBetween", message: "must be a duration like 30s, 10m or 1h (at most 24h)"))
            }
        }
        if !errors.isEmpty { throw ProvisioningError.validation(errors) }
        return RolloutService.Request(
            action: action, change: change, selector: selector, waves: waves, maxFailures: maxFailures, pauseBetweenMs: pause)
    }

    static func waveStep(_ value: JSONValue) -> RolloutPlanner.WaveStep? {
        switch value {
        case .number(let number) where number >= 1 && number <= 1_000_000 && number == number.rounded():
            return .count(Int(number))
        case .string(let text) where text.hasSuffix("%"):
            guard let percent = Double(text.dropLast()), percent > 0, percent <= 100 else { return nil }
            return .percent(percent)
        case .string(let text):
            guard let count = Int(text), count >= 1, count <= 1_000_000 else { return nil }
            return .count(count)
        default:
            return nil
        }
    }

    static func pauseMilliseconds(_ text: String) -> Int? {
        let units: [(String, Double)] = [("ms", 1), ("s", 1000), ("m", 60_000), ("h", 3_600_000)]
        if text == "0" { return 0 }
        for (unit, factor) in units where text.hasSuffix(unit) {
            guard let value = Double(text.dropLast(unit.count)), value >= 0, value.isFinite else { return nil }
            let ms = value * factor
            return ms <= 86_400_000 ? Int(ms) : nil
        }
        return nil
    }
}

/// A rollout as the API shows it.
struct RolloutView: Encodable {
    struct Wave: Encodable {
        let index: Int
        let size: Int
        /// `pending`, `running`, `passed`, `failed` (over the limit), `rolled-back`.
        let status: String
        let succeeded: Int
        let failed: Int
    }

    let id: String
    let action: RolloutEvent.Action
    let change: StoreChange?
    let selector: RolloutEvent.Selector
    let status: RolloutState.Status
    let paused: Bool
    let abortRequested: Bool
    let maxFailures: Int
    let failures: Int
    let pauseBetweenMs: Int
    let waveSpec: [String]
    let waves: [Wave]
    let currentWave: Int?
    let stores: [RolloutState.StoreState]
    let outcome: RolloutEvent.Completed?
    let requestedBy: String
    let createdAt: Date
    let updatedAt: Date
    let version: Int64

    init(_ state: RolloutState) {
        id = state.id
        action = state.request.action
        change = state.request.change
        selector = state.request.selector
        status = state.status
        paused = state.paused
        abortRequested = state.abortRequested
        maxFailures = state.request.maxFailures
        failures = state.failures
        pauseBetweenMs = state.request.pauseBetweenMs
        waveSpec = state.request.waveSpec
        waves = state.waves.enumerated().map { index, ids in
            let members = state.stores.filter { $0.wave == index }
            let failed = members.filter { $0.phase == .failed || $0.phase == .rollbackFailed }.count
            let status: String
            if index >= state.startedWaves {
                status = "pending"
            } else if index >= state.finishedWaves {
                status = "running"
            } else if state.halted?.wave == index {
                status = state.rollbackFinished ? "rolled-back" : "failed"
            } else {
                status = "passed"
            }
            return Wave(
                index: index, size: ids.count, status: status,
                succeeded: members.filter { $0.phase == .succeeded }.count, failed: failed)
        }
        currentWave = state.waveInProgress
        stores = state.stores
        outcome = state.completed
        requestedBy = state.request.by
        createdAt = state.createdAt
        updatedAt = state.updatedAt
        version = state.version
    }
}
