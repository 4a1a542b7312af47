import Foundation

/// A day-two operation as a pure state machine over the store's state, like `SagaPlanner`
/// for provisioning: run the operation's steps; when one fails for good, roll the release
/// back to the last good revision and watch the workloads come back; record how it ended.
public enum OperationPlanner {
    public static func next(_ state: StoreState, now: Date) -> SagaDecision {
        guard state.status.isOperating, let operation = state.operation else { return .idle }
        guard let step = operation.currentStep else { return .record([finished(state, operation, now: now)]) }
        let current = operation[step]
        switch current.status {
        case .pending, .compensated:
            return .call(.change(step, attempt: current.attempts + 1))
        case .running:
            // Started but no outcome recorded: the process stopped mid-step. Every step is
            // idempotent (an upgrade to the same values, a rollback to the same revision, a
            // wait), so the same attempt runs again.
            return .call(.change(step, attempt: max(current.attempts, 1)))
        case .failed where current.retryable:
            if let at = current.nextAttemptAt, at > now { return .wait(until: at) }
            return .call(.change(step, attempt: current.attempts + 1))
        case .failed:
            let error = current.lastError ?? "unknown error"
            guard let rollback = operation.rollback else {
                let reason = "\(step.rawValue) failed: \(error)"
                // A backup Job that failed for good: recorded on the backup before its
                // half-written objects are removed.
                let backupFailed: [StoreEvent] =
                    step == .snapshot
                    ? [.backupFailed(StoreEvent.BackupFailed(operation: operation.id, backup: operation.backup?.snapshotID(operation.kind) ?? "", error: error))]
                    : []
                if operation.compensation.isEmpty {
                    return .record(
                        backupFailed + [
                            .changeFailed(
                                StoreEvent.ChangeFailed(
                                    operation: operation.id, kind: operation.kind, reason: reason, failedStep: step,
                                    rolledBack: true, revision: state.helmRevision, leftovers: nil, releasedDomains: []))
                        ])
                }
                if let migrated = migratedDatabase(operation) {
                    return .record([
                        .changeFailed(
                            StoreEvent.ChangeFailed(
                                operation: operation.id, kind: operation.kind, reason: "\(step.rawValue) failed: \(error)",
                                failedStep: step, rolledBack: false, revision: state.helmRevision, leftovers: migrated,
                                releasedDomains: []))
                    ])
                }
                // A restore returns to the revision it started from (before it quiesced the shop).
                let toRevision =
                    operation.kind == .restore
                    ? operation.startRevision ?? state.lastGoodRevision : state.lastGoodRevision ?? operation.startRevision
                return .record(
                    backupFailed + [
                        .rollbackStarted(
                            StoreEvent.RollbackStarted(
                                operation: operation.id, reason: reason, failedStep: step, toRevision: toRevision))
                    ])
            }
            let revision = state.helmRevision.map { "revision \($0)" } ?? "an unknown revision"
            let good = rollback.toRevision.map { "revision \($0)" } ?? "the previous revision"
            return .record([
                .changeFailed(
                    StoreEvent.ChangeFailed(
                        operation: operation.id, kind: operation.kind,
                        reason: "\(rollback.reason); then the rollback failed at \(step.rawValue): \(error)",
                        failedStep: rollback.failedStep, rolledBack: false, revision: state.helmRevision,
                        leftovers:
                            "the release may still run \(revision) of the failed change instead of \(good); check `helm history` and the workloads, then change the store again",
                        releasedDomains: []))
            ])
        case .succeeded:
            return .idle  // unreachable: `currentStep` skips succeeded steps
        }
    }

    /// Why rolling back is no answer: the operation changes a version and its setup (which
    /// migrates the databases) has started, so the old code would run on a migrated database.
    /// Nil when a rollback is safe.
    static func migratedDatabase(_ operation: StoreOperation) -> String? {
        let versions = operation.change.wordpressVersion != nil || operation.change.woocommerceVersion != nil
        guard versions, operation[.setup].status != .pending else { return nil }
        return "not rolled back: the setup Job had started migrating the database to the new version, and the old code must not run on it; fix what failed and apply the same change again (roll forward), or restore a backup"
    }

    /// The event that ends a phase with every step done.
    private static func finished(_ state: StoreState, _ operation: StoreOperation, now: Date) -> StoreEvent {
        guard let rollback = operation.rollback else {
            let durationMs = max(0, Int((now.timeIntervalSince(operation.requestedAt) * 1000).rounded()))
            let completed = StoreEvent.ChangeCompleted(
                operation: operation.id, kind: operation.kind, applied: operation.to,
                revision: operation.revision, durationMs: durationMs,
                releasedDomains: operation.change.removeDomain.map { [$0] } ?? [],
                backup: operation.kind == .restore ? operation.backup?.backup : nil)
            switch operation.kind {
            case .suspend: return .suspended(completed)
            case .resume: return .resumed(completed)
            case .update, .addDomain, .removeDomain, .reconcile: return .changed(completed)
            case .restore: return .restored(completed)
            case .backup, .deleteBackup:
                // A backup ends with its `backup-completed` (recorded with the step); one
                // without it (an older record) is removed like a deleted one.
                let order = operation.backup
                let removed = StoreEvent.BackupRemoved(
                    operation: operation.id, backup: order?.backup ?? "",
                    reason: order?.expired == true ? "expired by the retention" : "deleted on request",
                    by: operation.requestedBy)
                return order?.expired == true ? .backupExpired(removed) : .backupDeleted(removed)
            }
        }
        return .changeFailed(
            StoreEvent.ChangeFailed(
                operation: operation.id, kind: operation.kind, reason: rollback.reason, failedStep: rollback.failedStep,
                rolledBack: true, revision: operation[.rollback].details["revision"].flatMap(Int.init), leftovers: nil,
                releasedDomains: operation.change.addDomain.map { [$0] } ?? []))
    }

    public static func started(_ step: OperationStep, attempt: Int, operation: String, now: Date, policy: SagaPolicy)
        -> StoreEvent
    {
        .changeStepStarted(
            StoreEvent.ChangeStepStarted(
                operation: operation, step: step, attempt: attempt,
                deadline: now.addingTimeInterval(policy.deadline(step).seconds)))
    }

    /// Events for the outcome of an operation step. `random` is uniform in [0, 1).
    public static func afterStep(
        _ state: StoreState, step: OperationStep, attempt: Int, outcome: StepOutcome, now: Date, policy: SagaPolicy,
        random: Double
    ) -> [StoreEvent] {
        guard let operation = state.operation else { return [] }
        switch outcome {
        case .succeeded(let details):
            let startedAt = operation[step].startedAt ?? now
            let durationMs = max(0, Int((now.timeIntervalSince(startedAt) * 1000).rounded()))
            var recorded = details
            var after: [StoreEvent] = []
            if step == .snapshot, let order = operation.backup {
                // The manifest is the backup: a Job that reported none did not make one.
                guard let manifest = details["manifest"].flatMap(BackupManifest.parse) else {
                    return [failed(operation, step, attempt, "the backup Job reported no valid manifest")]
                }
                recorded["manifest"] = nil
                let id = order.snapshotID(operation.kind)
                after.append(
                    .backupCompleted(
                        StoreEvent.BackupCompleted(
                            operation: operation.id, backup: id,
                            reason: operation.kind == .restore ? .safety : order.reason ?? .manual, manifest: manifest,
                            durationMs: durationMs, keepUntil: order.keepUntil)))
                if operation.kind == .backup, order.deleteAfter == true {
                    after.append(.deletionRequested(StoreEvent.ByActor(by: operation.requestedBy)))
                }
            }
            return [
                .changeStepSucceeded(
                    StoreEvent.ChangeStepSucceeded(
                        operation: operation.id, step: step, attempt: attempt, durationMs: durationMs, details: recorded))
            ] + after
        case .failed(let error) where error.isUnreachable:
            // Rolling back needs the cluster too: an unreachable one is waited for, never a
            // reason to roll back.
            let (wait, next) = SagaPlanner.waitForCluster(
                operation[step].waitingForCluster, from: operation[step].startedAt ?? now, attempt: attempt,
                limit: policy.deadline(step), now: now, policy: policy, random: random)
            return [
                .changeStepFailed(
                    StoreEvent.ChangeStepFailed(
                        operation: operation.id, step: step, attempt: attempt, error: error.message, retryable: true,
                        nextAttemptAt: next, waitingForCluster: wait))
            ]
        case .failed(let error)
        where error.kind == .transient && operation[step].reachedAttempts(attempt) < policy.retry.maxAttempts:
            let wait = policy.retry.delay(afterAttempt: attempt, random: random)
            return [
                .changeStepFailed(
                    StoreEvent.ChangeStepFailed(
                        operation: operation.id, step: step, attempt: attempt, error: error.message, retryable: true,
                        nextAttemptAt: now.addingTimeInterval(wait.seconds)))
            ]
        case .failed(let error):
            let message =
                error.kind == .transient
                ? "\(error.message) (\(SagaPlanner.gaveUp(operation[step].reachedAttempts(attempt))))" : error.message
            return [failed(operation, step, attempt, message)]
        case .deadlineExceeded(let limit) where operation[step].waitingForCluster != nil:
            // Begun while waiting for the cluster: retried at once (see `SagaPlanner.afterWaiting`).
            return [
                .changeStepFailed(
                    StoreEvent.ChangeStepFailed(
                        operation: operation.id, step: step, attempt: attempt, error: SagaPlanner.waitedMessage(limit),
                        retryable: true, nextAttemptAt: now))
            ]
        case .deadlineExceeded(let limit):
            return [failed(operation, step, attempt, "deadline of \(SagaPlanner.format(limit)) passed")]
        }
    }

    private static func failed(_ operation: StoreOperation, _ step: OperationStep, _ attempt: Int, _ message: String)
        -> StoreEvent
    {
        .changeStepFailed(
            StoreEvent.ChangeStepFailed(
                operation: operation.id, step: step, attempt: attempt, error: message, retryable: false,
                nextAttemptAt: nil))
    }
}
