import EventStore
import Foundation
import HTTPTypes
import Hummingbird
import Provisioning

/// A store's backups: list, back up now, delete one, restore one. Backing up, restoring and
/// deleting a backup are operations (202 with the operation; one at a time per store; a
/// repeat with the same `Idempotency-Key` answers with the first). Clones are `POST /stores`
/// with `from`, and the final backup is part of `DELETE /stores/{id}` (see `StoreRoutes`).
struct BackupRoutes {
    typealias Context = APIContext

    let environment: APIEnvironment

    func register(on router: RouterGroup<Context>) {
        let stores = router.group("stores")
        stores.get(":id/backups", use: list)
        stores.post(":id/backups", use: create)
        stores.delete(":id/backups/:backup", use: delete)
        stores.post(":id/restore", use: restore)
    }

    struct BackupList: Encodable {
        let store: StoreID
        let status: StoreStatus
        /// Oldest first: completed backups, those being written or removed, the last few failed.
        let items: [BackupRecord]
        /// Total bytes of the completed backups.
        let totalBytes: Int64
        let cluster: ClusterInfo
    }

    @Sendable func list(_ request: Request, context: Context) async throws -> Response {
        let id = try storeID(context)
        let view: StoreView
        if let found = try await environment.readModel.store(id) {
            view = found
        } else {
            // Not in the list yet (just created): the stream is the truth.
            let events = try await environment.events.readStream(id.streamID)
            guard let state = try StoreProjection.fold(events, keys: try await environment.vault.keyRing(for: events)) else {
                throw ProvisioningError.storeNotFound(id)
            }
            view = StoreView(state)
        }
        let total = view.backups.compactMap { $0.status == .completed ? $0.bytes : nil }.reduce(0, +)
        return try APIJSON.response(
            BackupList(store: id, status: view.status, items: view.backups, totalBytes: total, cluster: environment.cluster))
    }

    @Sendable func create(_ request: Request, context: Context) async throws -> Response {
        let id = try storeID(context)
        try requireBackups(environment)
        _ = try await APIJSON.optionalObject(from: request, allowed: [])
        let outcome = try await environment.commands.backup(
            id, reason: .manual, metadata: metadata(context), idempotencyKey: try idempotencyKey(request))
        return try operationResponse(outcome, environment: environment)
    }

    @Sendable func delete(_ request: Request, context: Context) async throws -> Response {
        let id = try storeID(context)
        let backup = try backupID(context.parameters.get("backup"), field: "backup")
        let outcome = try await environment.commands.deleteBackup(id, backup: backup, metadata: metadata(context))
        return try operationResponse(outcome, environment: environment)
    }

    @Sendable func restore(_ request: Request, context: Context) async throws -> Response {
        let id = try storeID(context)
        try requireBackups(environment)
        let body = try await APIJSON.object(from: request, allowed: ["backup"])
        var errors: [FieldError] = []
        let raw = APIJSON.string(body, "backup", errors: &errors)
        if !errors.isEmpty { throw ProvisioningError.validation(errors) }
        let backup = try backupID(raw, field: "backup")
        let outcome = try await environment.commands.restore(
            id, backup: backup, metadata: metadata(context), idempotencyKey: try idempotencyKey(request))
        return try operationResponse(outcome, environment: environment)
    }
}

/// A backup id from a request, or a field error naming `field`.
func backupID(_ text: String?, field: String) throws -> String {
    guard let text, !text.isEmpty else {
        throw ProvisioningError.validation([FieldError(field: field, message: "is required")])
    }
    guard text.isBackupID else {
        throw ProvisioningError.validation([
            FieldError(field: field, message: "must be a backup id such as bk-01jf0c8r5g3k2m7n9p4q6s8t0v")
        ])
    }
    return text
}

/// Refuses a backup, restore or clone when the cluster takes no backups.
func requireBackups(_ environment: APIEnvironment) throws {
    guard environment.backupsAvailable else {
        throw Problem(
            .conflict, status: .conflict, title: "Backups not enabled",
            detail: "this cluster takes no backups: set backup.enabled (and backup.s3.*) in the --chart-values of urumi serve")
    }
}
