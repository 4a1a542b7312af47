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
            status = .updating
            if let domain = requested.change.addDomain, !claimedDomains.contains(domain) { claimedDomains.append(domain) }
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
        case .changeStepFailed(let failed):
            guard failed.operation == operation?.id else { return }
            operation?[failed.step].fail(
                at: at, error: failed.error, retryable: failed.retryable, nextAttemptAt: failed.nextAttemptAt)
        case .rollbackStarted(let started):
            guard started.operation == operation?.id else { return }
            operation?.rollback = StoreOperation.Rollback(
                reason: started.reason, failedStep: started.failedStep, toRevision: started.toRevision)
        case .changed(let completed), .suspended(let completed), .resumed(let completed):
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
        if status == .updating { status = restingStatus }
    }

    /// A deletion cancels the operation under way (the teardown removes whatever it did).
    mutating func cancelOperation(at: Date) {
        guard let current = operation else { return }
        finishOperation(
            current, outcome: .cancelled, reason: "cancelled by the store's deletion", failedStep: current.currentStep,
            revision: current.revision, at: at)
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
