import Foundation

extension StoreState {
    /// The status a store rests in when no operation runs: per the config it runs.
    var restingStatus: StoreStatus { (applied ?? desired).suspended ? .suspended : .ready }

    mutating func applyOperation(_ event: StoreEvent, at: Date) {
        switch event {
        case .changeRequested(let requested):
            operation = StoreOperation(requested, at: at)
            operation?.startRevision = helmRevision
            desired = requested.to
            status = requested.kind.runningStatus
            if let domain = requested.change.addDomain, !claimedDomains.contains(domain) { claimedDomains.append(domain) }
            if let order = requested.backup { noteBackupRequested(order, kind: requested.kind, requested, at: at) }
        case .changeStepStarted(let started):
            guard started.operation == operation?.id else { return }
            operation?[started.step].start(attempt: started.attempt, at: at, deadline: started.deadline)
        case .changeStepSucceeded(let succeeded):
            guard succeeded.operation == operation?.id else { return }
            operation?[succeeded.step].succeed(at: at, durationMs: succeeded.durationMs, details: succeeded.details)
            if let revision = succeeded.details["revision"].flatMap(Int.init) {
                helmRevision = revision
                if succeeded.step == .apply { operation?.revision = revision }
            }
            if succeeded.step == .restore, let restored = operation?.backup?.backup {
                updateBackup(restored) { $0.restoredAt = at }
            }
        case .changeStepFailed(let failed):
            guard failed.operation == operation?.id else { return }
            operation?[failed.step].fail(
                at: at, error: failed.error, retryable: failed.retryable, nextAttemptAt: failed.nextAttemptAt,
                waiting: failed.waitingForCluster)
        case .rollbackStarted(let started):
            guard started.operation == operation?.id else { return }
            operation?.rollback = StoreOperation.Rollback(
                reason: started.reason, failedStep: started.failedStep, toRevision: started.toRevision)
        case .backupCompleted(let completed):
            updateBackup(completed.backup) { record in
                record.status = .completed
                record.manifest = completed.manifest
                record.completedAt = at
                record.error = nil
                if let keep = completed.keepUntil { record.keepUntil = keep }
            }
            // Ends a backup operation; a restore's safety backup is only recorded.
            if let current = operation, current.id == completed.operation, current.kind == .backup {
                finishOperation(current, outcome: .succeeded, reason: nil, failedStep: nil, revision: nil, at: at)
            }
        case .backupFailed(let failed):
            updateBackup(failed.backup) { record in
                record.status = .failed
                record.error = failed.error
            }
            pruneFailedBackups()
        case .backupDeleted(let removed), .backupExpired(let removed):
            backups.removeAll { $0.id == removed.backup }
            if let current = operation, current.id == removed.operation {
                finishOperation(current, outcome: .succeeded, reason: nil, failedStep: nil, revision: nil, at: at)
            }
        case .changed(let completed), .suspended(let completed), .resumed(let completed), .restored(let completed):
            guard let current = operation, completed.operation == current.id else { return }
            applied = completed.applied
            desired = completed.applied
            if let revision = completed.revision {
                helmRevision = revision
                lastGoodRevision = revision
            }
            needsAttention = false
            claimedDomains.removeAll { completed.releasedDomains.contains($0) }
            finishOperation(
                current, outcome: .succeeded, reason: nil, failedStep: nil, revision: completed.revision, leftovers: nil,
                at: at)
        case .changeFailed(let failed):
            guard let current = operation, failed.operation == current.id else { return }
            desired = current.from
            if let revision = failed.revision { helmRevision = revision }
            if failed.rolledBack, let revision = failed.revision { lastGoodRevision = revision }
            needsAttention = !failed.rolledBack
            claimedDomains.removeAll { failed.releasedDomains.contains($0) }
            settleBackups(of: current, reason: failed.reason)
            finishOperation(
                current, outcome: failed.rolledBack ? .rolledBack : .rollbackFailed, reason: failed.reason,
                failedStep: failed.failedStep, revision: failed.revision, leftovers: failed.leftovers, at: at)
        default:
            break
        }
    }

    private mutating func finishOperation(
        _ current: StoreOperation, outcome: OperationRecord.Outcome, reason: String?, failedStep: OperationStep?,
        revision: Int?, leftovers: String? = nil, at: Date
    ) {
        operations.append(
            OperationRecord(
                id: current.id, kind: current.kind, change: current.change, outcome: outcome, reason: reason,
                failedStep: failedStep, revision: revision, leftovers: leftovers, requestedBy: current.requestedBy,
                requestedAt: current.requestedAt, finishedAt: at))
        if operations.count > Self.operationHistoryLimit { operations.removeFirst(operations.count - Self.operationHistoryLimit) }
        operation = nil
        if status.isOperating { status = restingStatus }
    }

    /// A deletion cancels the operation under way (the teardown removes whatever it did).
    mutating func cancelOperation(at: Date) {
        guard let current = operation else { return }
        settleBackups(of: current, reason: "cancelled by the store's deletion")
        finishOperation(
            current, outcome: .cancelled, reason: "cancelled by the store's deletion", failedStep: current.currentStep,
            revision: current.revision, at: at)
    }
}

extension StoreState {
    /// How many failed backups the list keeps (all are in the stream).
    public static let failedBackupLimit = 5

    private mutating func noteBackupRequested(
        _ order: BackupOrder, kind: OperationKind, _ requested: StoreEvent.ChangeRequested, at: Date
    ) {
        switch kind {
        case .backup:
            backups.append(
                BackupRecord(
                    id: order.backup, reason: order.reason ?? .manual, operation: requested.operation,
                    requestedBy: requested.by, requestedAt: at, keepUntil: order.keepUntil))
        case .restore:
            guard let safety = order.safety else { return }
            backups.append(
                BackupRecord(
                    id: safety, reason: .safety, operation: requested.operation, requestedBy: requested.by,
                    requestedAt: at, keepUntil: nil))
        case .deleteBackup:
            updateBackup(order.backup) { $0.status = .deleting }
        case .update, .suspend, .resume, .addDomain, .removeDomain, .reconcile:
            break
        }
    }

    mutating func updateBackup(_ id: String, _ change: (inout BackupRecord) -> Void) {
        guard let index = backups.firstIndex(where: { $0.id == id }) else { return }
        change(&backups[index])
    }

    /// After an operation ended without its backup's own event: a backup still running failed
    /// (its objects were removed by the compensation, or the store is going), and a backup
    /// being deleted is there still.
    private mutating func settleBackups(of operation: StoreOperation, reason: String) {
        for index in backups.indices where backups[index].operation == operation.id && backups[index].status == .running {
            backups[index].status = .failed
            backups[index].error = backups[index].error ?? reason
        }
        if operation.kind == .deleteBackup, let id = operation.backup?.backup {
            updateBackup(id) { record in
                if record.status == .deleting { record.status = .completed }
            }
        }
        pruneFailedBackups()
    }

    private mutating func pruneFailedBackups() {
        let failed = backups.filter { $0.status == .failed }
        guard failed.count > Self.failedBackupLimit else { return }
        let drop = Set(failed.prefix(failed.count - Self.failedBackupLimit).map(\.id))
        backups.removeAll { drop.contains($0.id) }
    }

    /// The completed backup `id`, if the store has it.
    public func completedBackup(_ id: String) -> BackupRecord? {
        backups.first { $0.id == id && $0.status == .completed }
    }
}

extension StoreState {
    /// When the step of `call` started (for its duration metric).
    public func startedAt(of call: SagaCall) -> Date? {
        switch call {
        case .run(let step, _), .undo(let step, _): self[step].startedAt
        case .change(let step, _): operation?[step].startedAt
        }
    }
}
