import Foundation

/// Decides which events a command produces, given the store's state. Pure.
public enum StoreDecider {
    public static func decide(_ command: StoreCommand, id: StoreID, state: StoreState?) throws(ProvisioningError)
        -> [StoreEvent]
    {
        switch command {
        case .create(_, let spec, let by):
            guard state == nil else { throw .storeAlreadyExists(id) }
            return [.requested(StoreEvent.Requested(storeId: id, spec: spec, requestedBy: by))]

        case .delete(let by):
            guard let state else { throw .storeNotFound(id) }
            // Deleting twice is not an error: the first request is already being carried out.
            if state.status == .deleted || (state.deletionRequestedBy != nil && state.status == .deleting) {
                return []
            }
            if state.deletionProtection {
                throw .conflict(state.id, "store has deletion protection; turn it off first (PATCH deletionProtection: false)")
            }
            return [.deletionRequested(StoreEvent.ByActor(by: by))]

        case .protect(let enabled, let then, let by):
            guard let state else { throw .storeNotFound(id) }
            guard state.status != .deleted else { throw .conflict(state.id, "store is deleted") }
            var events: [StoreEvent] = []
            var after = state
            if state.deletionProtection != enabled {
                let event = StoreEvent.deletionProtectionChanged(StoreEvent.DeletionProtection(enabled: enabled, by: by))
                events.append(event)
                after.apply(event, at: state.updatedAt)
            }
            if let then { events += try decide(then, id: id, state: after) }
            return events

        case .recordDrift(let detected, let version, let by):
            guard let state else { throw .storeNotFound(id) }
            return try decideDrift(detected, observedVersion: version, by: by, state: state)

        case .forget(let by):
            guard let state else { throw .storeNotFound(id) }
            if state.forgottenAt != nil { return [] }
            guard state.personalDataSealed == true else {
                throw .legacyPersonalData(state.id)
            }
            switch state.status {
            case .ready, .suspended, .failed, .deleted:
                return [.forgotten(StoreEvent.ByActor(by: by))]
            default:
                // A running saga may still need the e-mail (the chart's values).
                throw .conflict(state.id, "store is \(state.status.rawValue); forget it once its saga has ended")
            }

        case .retry(let by):
            guard let state else { throw .storeNotFound(id) }
            guard state.status == .failed else {
                throw .conflict(state.id, "store is \(state.status.rawValue); only a failed store can be retried")
            }
            // Failed while being deleted: it was asked to go, so it must not come back.
            guard state.deletionRequestedBy == nil else {
                throw .conflict(state.id, "the store's deletion could not finish; delete it again instead")
            }
            let from = SagaStep.allCases.first { !state.isPresent($0) } ?? .namespace
            return [.retryRequested(StoreEvent.RetryRequested(by: by, failedStep: state.failedStep, fromStep: from))]

        case .change(let kind, let change, let operation, let by):
            guard let state else { throw .storeNotFound(id) }
            return try decideChange(kind, change, operation: operation, by: by, state: state)

        case .backup(let order, let operation, let by):
            guard let state else { throw .storeNotFound(id) }
            return try decideBackup(.backup, order, operation: operation, by: by, state: state)

        case .restore(let order, let operation, let by):
            guard let state else { throw .storeNotFound(id) }
            guard let record = state.backups.first(where: { $0.id == order.backup }) else {
                throw .backupNotFound(state.id, order.backup)
            }
            guard record.status == .completed else {
                throw .conflict(state.id, "backup \(order.backup) is \(record.status.rawValue); only a completed backup can be restored")
            }
            return try decideBackup(.restore, order, operation: operation, by: by, state: state)

        case .deleteBackup(let order, let operation, let by):
            guard let state else { throw .storeNotFound(id) }
            guard let record = state.backups.first(where: { $0.id == order.backup }) else {
                throw .backupNotFound(state.id, order.backup)
            }
            // A failed backup's objects were removed by its compensation, and a deleted
            // store's backups have no namespace to run a Job in: only the record goes.
            if record.status == .failed || state.status == .deleted {
                let removed = StoreEvent.BackupRemoved(
                    operation: operation, backup: order.backup,
                    reason: record.status == .failed
                        ? "a failed backup (its objects were removed when it failed)"
                        : order.expired == true
                            ? "expired by the retention (the store is deleted: remove its objects with the bucket's lifecycle rule)"
                            : "deleted on request (the store is deleted: remove its objects with the bucket's lifecycle rule)",
                    by: by)
                return [order.expired == true ? .backupExpired(removed) : .backupDeleted(removed)]
            }
            guard record.status == .completed else {
                throw .conflict(state.id, "backup \(order.backup) is \(record.status.rawValue)")
            }
            return try decideBackup(.deleteBackup, order, operation: operation, by: by, state: state)

        case .deleteAfterBackup(let order, let operation, let by):
            guard let state else { throw .storeNotFound(id) }
            // No shop (still provisioning, failed, being deleted): nothing to back up.
            guard state.status == .ready || state.status == .suspended || state.status.isOperating else {
                return try decide(.delete(by: by), id: id, state: state)
            }
            if let running = state.operation {
                // Asked already: the final backup under way deletes the store when done.
                if running.backup?.deleteAfter == true { return [] }
                throw .operationRunning(state.id, operation: running.id, kind: running.kind)
            }
            if state.deletionProtection {
                throw .conflict(state.id, "store has deletion protection; turn it off first (PATCH deletionProtection: false)")
            }
            if state.status == .suspended {
                throw .conflict(
                    state.id,
                    "store is suspended, so its final backup cannot run (its database is stopped); resume it first, or delete with final_backup=false")
            }
            return try decideBackup(.backup, order, operation: operation, by: by, state: state)
        }
    }

    private static func decideBackup(
        _ kind: OperationKind, _ order: BackupOrder, operation: String, by: String, state: StoreState
    ) throws(ProvisioningError) -> [StoreEvent] {
        if let running = state.operation { throw .operationRunning(state.id, operation: running.id, kind: running.kind) }
        // A suspended store's MySQL is stopped: there is nothing to dump until it runs again.
        if state.status == .suspended, kind != .deleteBackup {
            throw .conflict(state.id, "store is suspended (its database is stopped); resume it first")
        }
        guard state.status == .ready || state.status == .suspended else {
            throw .conflict(
                state.id, "store is \(state.status.rawValue); only a ready store can be backed up or restored")
        }
        let config = state.applied ?? state.desired
        return [
            .changeRequested(
                StoreEvent.ChangeRequested(
                    operation: operation, kind: kind, change: StoreChange(), from: config, to: config, by: by,
                    backup: order))
        ]
    }

    private static func decideChange(
        _ kind: OperationKind, _ change: StoreChange, operation: String, by: String, state: StoreState
    ) throws(ProvisioningError) -> [StoreEvent] {
        if let running = state.operation { throw .operationRunning(state.id, operation: running.id, kind: running.kind) }
        switch (state.status, kind) {
        case (.ready, .resume):
            throw .conflict(state.id, "store is not suspended")
        case (.ready, _), (.suspended, .resume):
            break
        case (.suspended, _):
            throw .conflict(state.id, "store is suspended; resume it first")
        default:
            throw .conflict(
                state.id, "store is \(state.status.rawValue); only a ready or suspended store can be changed")
        }
        let from = state.applied ?? state.desired
        if let domain = change.addDomain {
            if domain == state.spec.domain || from.extraDomains.contains(domain) {
                throw .validation([FieldError(field: "domain", message: "\(domain) is already a domain of this store")])
            }
        }
        // A host whose addition could not be rolled back is still claimed (and may still be
        // served) though not in the config: removing it re-applies the config and releases it.
        let onlyClaimed = change.removeDomain.map { !from.extraDomains.contains($0) && state.claimedDomains.contains($0) } ?? false
        if let domain = change.removeDomain, !from.extraDomains.contains(domain), !onlyClaimed {
            throw .domainNotOnStore(state.id, domain)
        }
        let to = change.applied(to: from)
        let problems = StoreChange.transitionProblems(from: from, to: to)
        guard problems.isEmpty else { throw .validation(problems) }
        // Nothing would change: not an operation (a repeat of an applied PATCH is a no-op).
        if to == from && !onlyClaimed { return [] }
        return [
            .changeRequested(
                StoreEvent.ChangeRequested(operation: operation, kind: kind, change: change, from: from, to: to, by: by))
        ]
    }
}
