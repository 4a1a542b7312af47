import EventStore
import Foundation

/// Backups, restores, backup deletions and deletion after a final backup: operations like a
/// change, with the same idempotency (a key names the operation; a repeat answers with it).
extension StoreCommandHandler {
    /// Backs the store up now. `operationName`, when given, makes the request idempotent
    /// without a key (a scheduled slot: two replicas asking for it start one backup).
    public func backup(
        _ id: StoreID, reason: BackupReason = .manual, keepUntil: Date? = nil, metadata: EventMetadata,
        idempotencyKey: String? = nil, operationName: String? = nil, now: Date = Date()
    ) async throws -> Outcome {
        let name = operationName ?? idempotencyKey.map { "backup-store:\(metadata.actor):\(id):\($0)" }
        let operation = Self.operationID(name)
        let order = BackupOrder(
            backup: name.map { .backupID(at: now, derivedFrom: $0) } ?? .newBackupID(at: now), reason: reason,
            keepUntil: keepUntil)
        return try await operate(
            .backup(order, operation: operation, by: metadata.actor), operation: operation, idempotent: name != nil,
            id: id, metadata: metadata)
    }

    /// Restores the store's completed backup `backup`, after a safety backup of what it holds.
    public func restore(
        _ id: StoreID, backup: String, metadata: EventMetadata, idempotencyKey: String? = nil, now: Date = Date()
    ) async throws -> Outcome {
        let name = idempotencyKey.map { "restore-store:\(metadata.actor):\(id):\($0)" }
        let operation = Self.operationID(name)
        let order = BackupOrder(
            backup: backup, safety: name.map { .backupID(at: now, derivedFrom: $0) } ?? .newBackupID(at: now))
        return try await operate(
            .restore(order, operation: operation, by: metadata.actor), operation: operation, idempotent: name != nil,
            id: id, metadata: metadata)
    }

    /// Removes one backup (`expired`: the retention's doing). Repeats name the same operation.
    public func deleteBackup(_ id: StoreID, backup: String, expired: Bool = false, metadata: EventMetadata) async throws
        -> Outcome
    {
        let operation = Self.operationID("delete-backup:\(id):\(backup)")
        let order = BackupOrder(backup: backup, expired: expired)
        // A repeat is the deletion running, or done (the backup gone); after a deletion that
        // failed (the backup still listed) the same request tries again.
        return try await operate(
            .deleteBackup(order, operation: operation, by: metadata.actor), operation: operation, idempotent: true,
            id: id, metadata: metadata
        ) { state in
            state.operation?.id == operation
                || (state.operations.contains { $0.id == operation } && !state.backups.contains { $0.id == backup })
        }
    }

    /// Deletes the store; when it has a shop, a final backup is taken first (kept until
    /// `keepUntil`) and the deletion follows it. A failed final backup leaves the store as it
    /// was, so nothing is lost without a backup.
    public func delete(_ id: StoreID, finalBackupUntil keepUntil: Date?, metadata: EventMetadata, now: Date = Date())
        async throws -> Outcome
    {
        guard let keepUntil else { return try await delete(id, metadata: metadata) }
        let operation = Self.operationID(nil)
        let order = BackupOrder(
            backup: .newBackupID(at: now), reason: .final, deleteAfter: true, keepUntil: keepUntil)
        var outcome = try await run(.deleteAfterBackup(order, operation: operation, by: metadata.actor), id: id, metadata: metadata)
        if outcome.state.operation?.id == operation { outcome.operation = operation }
        return outcome
    }

    static func operationID(_ name: String?) -> String {
        name.map { StoreID.derived(from: "operation:\($0)").description } ?? UUID().uuidString.lowercased()
    }

    /// Runs an operation's command; when `idempotent`, an operation with the same id already
    /// on the store (running or finished) is the answer instead of a new one.
    private func operate(
        _ command: StoreCommand, operation: String, idempotent: Bool, id: StoreID, metadata: EventMetadata,
        isRepeat: ((StoreState) -> Bool)? = nil
    ) async throws -> Outcome {
        var repeated = false
        let outcome = try await run(command, id: id, metadata: metadata) { state in
            guard idempotent, let state else { return false }
            repeated =
                isRepeat?(state)
                ?? (state.operation?.id == operation || state.operations.contains { $0.id == operation })
            return repeated
        }
        let started = outcome.state.operation?.id == operation
        return Outcome(
            id: outcome.id, cursor: outcome.cursor, replayed: repeated, state: outcome.state,
            operation: started || repeated ? operation : nil)
    }
}
