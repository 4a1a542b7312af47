import EventStore
import Foundation
import HTTPTypes
import Hummingbird
import Provisioning

/// What the store routes read from every request: the store id in the path, the
/// `Idempotency-Key` header, and the event metadata of the caller.
protocol StoreRequestParsing {}

extension StoreRequestParsing {
    func storeID(_ context: APIContext) throws -> StoreID {
        let text = context.parameters.get("id") ?? ""
        guard let id = StoreID(text.lowercased()) else {
            throw Problem(.notFound, status: .notFound, title: "Store not found", detail: "no store with id \(text.prefix(64))")
        }
        return id
    }

    func idempotencyKey(_ request: Request) throws -> String? {
        guard let key = request.headers[HTTPField.Name("Idempotency-Key")!] else { return nil }
        guard !key.isEmpty, key.utf8.count <= 200, key.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            let message = "must be 1-200 printable characters"
            throw Problem(
                .badParameter, status: .badRequest, title: "Invalid parameter", detail: "Idempotency-Key \(message)",
                errors: [FieldError(field: "Idempotency-Key", message: message)])
        }
        return key
    }

    func metadata(_ context: APIContext) -> EventMetadata {
        EventMetadata(actor: context.actor, correlationID: UUID(), requestID: context.id)
    }
}

extension StoreRoutes: StoreRequestParsing {}
extension BackupRoutes: StoreRequestParsing {}
extension StoreOperationRoutes: StoreRequestParsing {}
