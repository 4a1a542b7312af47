import EventStore
import Foundation
import HTTPTypes
import Hummingbird
import Provisioning

/// Day-two operations on a store: `PATCH /stores/{id}` (a JSON merge patch of name, plan,
/// versions and plugins), suspend, resume, and extra domains. Each answers 202 with the
/// operation it started (200 when nothing changes, or for a repeat with the same
/// `Idempotency-Key`); a store runs one operation at a time (409 `operation-running` names it).
struct StoreOperationRoutes {
    typealias Context = APIContext

    let environment: APIEnvironment

    func register(on router: RouterGroup<Context>) {
        let stores = router.group("stores")
        stores.patch(":id", use: update)
        stores.post(":id/suspend", use: suspend)
        stores.post(":id/resume", use: resume)
        stores.post(":id/domains", use: addDomain)
        stores.delete(":id/domains/:domain", use: removeDomain)
    }

    static let patchFields: Set<String> = [
        "name", "plan", "wordpressVersion", "woocommerceVersion", "plugins", "deletionProtection",
    ]

    struct OperationResponse: Encodable {
        let id: StoreID
        let status: StoreStatus
        /// The operation this request started, or the running one a repeat found (nil when
        /// nothing had to change, or when the repeat's operation has finished: see `finished`).
        let operation: OperationView?
        /// A repeat of an operation that has ended: how it ended.
        let finished: OperationRecord?
        let position: String?
        let replayed: Bool
        let store: StoreView
        let cluster: ClusterInfo
    }

    @Sendable func update(_ request: Request, context: Context) async throws -> Response {
        let id = try storeID(context)
        let body = try await APIJSON.object(
            from: request, allowed: Self.patchFields, mediaTypes: ["application/merge-patch+json", "application/json"])
        var protection: Bool?
        if let value = body["deletionProtection"] {
            guard case .bool(let enabled) = value else {
                throw ProvisioningError.validation([FieldError(field: "deletionProtection", message: "must be true or false")])
            }
            protection = enabled
        }
        let input = try Self.changeInput(body)
        // Deletion protection alone is no operation: it is set at once.
        let change = protection != nil && input.isEmpty ? nil : try StoreChange.validate(input)
        return try await run(id, .update, change, deletionProtection: protection, request: request, context: context)
    }

    @Sendable func suspend(_ request: Request, context: Context) async throws -> Response {
        try await run(try storeID(context), .suspend, StoreChange(suspended: true), request: request, context: context)
    }

    @Sendable func resume(_ request: Request, context: Context) async throws -> Response {
        try await run(try storeID(context), .resume, StoreChange(suspended: false), request: request, context: context)
    }

    @Sendable func addDomain(_ request: Request, context: Context) async throws -> Response {
        let id = try storeID(context)
        let body = try await APIJSON.object(from: request, allowed: ["domain"])
        var errors: [FieldError] = []
        let raw = APIJSON.string(body, "domain", errors: &errors)
        if !errors.isEmpty { throw ProvisioningError.validation(errors) }
        let domain = try StoreChange.validateDomain(raw)
        return try await run(id, .addDomain, StoreChange(addDomain: domain), request: request, context: context)
    }

    @Sendable func removeDomain(_ request: Request, context: Context) async throws -> Response {
        let id = try storeID(context)
        let domain = try StoreChange.validateDomain(context.parameters.get("domain"))
        return try await run(id, .removeDomain, StoreChange(removeDomain: domain), request: request, context: context)
    }

    private func run(
        _ id: StoreID, _ kind: OperationKind, _ change: StoreChange?, deletionProtection: Bool? = nil, request: Request,
        context: Context
    ) async throws -> Response {
        let outcome = try await environment.commands.change(
            id, kind: kind, change: change, deletionProtection: deletionProtection, metadata: metadata(context),
            idempotencyKey: try idempotencyKey(request))
        return try operationResponse(outcome, environment: environment)
    }

    /// The merge patch's fields as typed input; a wrong JSON type or a null where a value
    /// cannot be removed is a field error (every one reported).
    static func changeInput(_ body: [String: JSONValue]) throws -> StoreChangeInput {
        var errors: [FieldError] = []
        var input = StoreChangeInput()
        for field in ["name", "plan", "wordpressVersion", "woocommerceVersion"] where body[field] == .null {
            errors.append(FieldError(field: field, message: "cannot be removed (null); give a value"))
        }
        input.name = APIJSON.string(body, "name", errors: &errors)
        input.plan = APIJSON.string(body, "plan", errors: &errors)
        input.wordpressVersion = APIJSON.string(body, "wordpressVersion", errors: &errors)
        input.woocommerceVersion = APIJSON.string(body, "woocommerceVersion", errors: &errors)
        if let plugins = body["plugins"] {
            switch plugins {
            case .null:
                input.plugins = []  // merge patch: null removes the list
            case .array(let items):
                var parsed: [(slug: String?, version: String?)] = []
                for (index, item) in items.enumerated() {
                    switch item {
                    case .string(let slug):
                        parsed.append((slug, nil))
                    case .object(let object):
                        let unknown = Set(object.keys).subtracting(["slug", "version"]).sorted()
                        for key in unknown {
                            errors.append(FieldError(field: "plugins[\(index)].\(key)", message: "is not a known field"))
                        }
                        var itemErrors: [FieldError] = []
                        let slug = APIJSON.string(object, "slug", errors: &itemErrors)
                        let version = APIJSON.string(object, "version", errors: &itemErrors)
                        errors += itemErrors.map { FieldError(field: "plugins[\(index)].\($0.field)", message: $0.message) }
                        parsed.append((slug, version))
                    default:
                        errors.append(
                            FieldError(field: "plugins[\(index)]", message: "must be a slug or {\"slug\", \"version\"}"))
                    }
                }
                input.plugins = parsed
            default:
                errors.append(FieldError(field: "plugins", message: "must be an array"))
            }
        }
        if !errors.isEmpty { throw ProvisioningError.validation(errors) }
        return input
    }
}

/// The answer to a request that starts an operation: 202 with the operation it started, or 200
/// (nothing to do, a repeat: the running operation, or `finished` with how it ended).
func operationResponse(_ outcome: StoreCommandHandler.Outcome, environment: APIEnvironment) throws -> Response {
    let started = outcome.state.operation != nil && outcome.state.operation?.id == outcome.operation && !outcome.replayed
    let running = outcome.state.operation.flatMap { $0.id == outcome.operation ? OperationView($0) : nil }
    let finished = outcome.operation.flatMap { id in outcome.state.operations.last { $0.id == id } }
    let body = StoreOperationRoutes.OperationResponse(
        id: outcome.id, status: outcome.state.status, operation: running, finished: finished,
        position: outcome.cursor?.description, replayed: outcome.replayed, store: StoreView(outcome.state),
        cluster: environment.cluster)
    return try APIJSON.response(body, status: started ? .accepted : .ok, headers: [.location: "/stores/\(outcome.id)"])
}
