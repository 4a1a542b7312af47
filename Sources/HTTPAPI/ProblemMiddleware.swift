import EventStore
import Foundation
import Hummingbird
import Logging
import Provisioning

/// Turns every error into problem+json; an unexpected one is a 500 that names the request
/// id and nothing of the internals (those go to the log).
struct ProblemMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        do {
            return try await next(request, context)
        } catch {
            let problem = Self.problem(for: error, context: context)
            return try problem.response(from: request, context: context)
        }
    }

    static func problem(for error: any Error, context: Context) -> Problem {
        switch error {
        case let problem as Problem:
            return problem
        case let error as ProvisioningError:
            return problem(for: error)
        case PersonalDataError.forgotten(let id):
            return Problem(.conflict, status: .conflict, title: "Store forgotten", detail: "store \(id) was forgotten")
        case is InvalidPageCursor:
            return Problem(
                .badParameter, status: .badRequest, title: "Invalid parameter", detail: "after is not a valid page cursor",
                errors: [FieldError(field: "after", message: "is not a valid page cursor")])
        case let error as EventStoreError:
            if case .unavailable = error {
                return Problem(.unavailable, status: .serviceUnavailable, title: "Service unavailable", detail: "the event log is unavailable; retry shortly")
            }
            context.logger.error("unexpected event store error", metadata: ["error": "\(error)"])
            return internalError()
        case let error as HTTPError:
            switch error.status {
            case .notFound:
                return Problem(.notFound, status: .notFound, title: "Not found", detail: "no such route")
            case .methodNotAllowed:
                return Problem(.methodNotAllowed, status: .methodNotAllowed, title: "Method not allowed")
            case .contentTooLarge:
                return Problem(.payloadTooLarge, status: .contentTooLarge, title: "Payload too large")
            default:
                return Problem(
                    .badParameter, status: error.status, title: error.status.reasonPhrase, detail: error.body)
            }
        default:
            if let transient = error as? any TransientError, transient.isTransient {
                context.logger.warning("database unavailable", metadata: ["error": "\(error)"])
                return Problem(.unavailable, status: .serviceUnavailable, title: "Service unavailable", detail: "the database is unavailable; retry shortly")
            }
            context.logger.error("unexpected error", metadata: ["error": "\(error)"])
            return internalError()
        }
    }

    static func internalError() -> Problem {
        Problem(.internalError, status: .internalServerError, title: "Internal error", detail: "the request failed; quote the request id when reporting it")
    }

    static func problem(for error: ProvisioningError) -> Problem {
        switch error {
        case .validation(let errors):
            return Problem(
                .validation, status: .unprocessableContent, title: "Invalid request",
                detail: errors.map(\.description).joined(separator: "; "), errors: errors)
        case .storeNotFound(let id):
            return Problem(.notFound, status: .notFound, title: "Store not found", detail: "no store with id \(id)")
        case .storeAlreadyExists(let id):
            return Problem(.conflict, status: .conflict, title: "Store exists", detail: "store \(id) already exists")
        case .domainInUse(let domain):
            return Problem(
                .domainInUse, status: .conflict, title: "Domain in use",
                detail: "\(domain) belongs to another store; delete it first or choose another domain",
                errors: [FieldError(field: "domain", message: "is already used by another store")])
        case .conflict(_, let reason):
            return Problem(.conflict, status: .conflict, title: "Conflict", detail: reason)
        case .idempotencyKeyReused:
            return Problem(
                .idempotencyKeyReused, status: .conflict, title: "Idempotency key reused",
                detail: "this Idempotency-Key was already used with a different request body")
        case .concurrentModification(let id):
            return Problem(.conflict, status: .conflict, title: "Concurrent change", detail: "store \(id) changed meanwhile; retry")
        case .operationRunning(_, let operation, let kind):
            return Problem(
                .operationRunning, status: .conflict, title: "Operation running",
                detail: "\(error.description)", operation: operation, operationKind: kind.rawValue)
        case .domainNotOnStore:
            return Problem(.notFound, status: .notFound, title: "Domain not found", detail: error.description)
        case .backupNotFound:
            return Problem(.notFound, status: .notFound, title: "Backup not found", detail: error.description)
        case .legacyPersonalData:
            return Problem(
                .legacyPersonalData, status: .conflict, title: "Personal data in clear in the log", detail: error.description)
        case .clusterUnavailable(let reason):
            return Problem(.unavailable, status: .serviceUnavailable, title: "Service unavailable", detail: "the cluster did not answer; retry shortly (\(reason))")
        }
    }
}
