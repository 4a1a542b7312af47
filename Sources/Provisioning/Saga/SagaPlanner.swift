import Foundation

/// The saga as a pure state machine over a store's state.
///
/// `next` says what to do now; `afterStep` and `afterUndo` turn an outcome into the events
/// to record. The runtime (the coordinator) calls the cluster and appends the events; it
/// holds no saga state of its own, so after a crash the state folded from the stream is all
/// it needs to continue. Time and randomness are inputs.
public enum SagaPlanner {
    public static func next(_ state: StoreState, now: Date) -> SagaDecision {
        switch state.status {
        case .ready, .deleted, .failed, .suspended, .updating, .backingUp, .restoring:
            return .idle
        case .deleting where state.undo == nil:
            let cause: StoreEvent.UndoCause = state.deletionCancelsProvisioning ? .cancelled : .deletion
            let reason = cause == .cancelled ? "deleted while provisioning" : "deleted"
            return .record([
                .compensationStarted(StoreEvent.CompensationStarted(cause: cause, reason: reason, failedStep: nil))
            ])
        case .compensating, .deleting:
            return nextUndo(state, now: now)
        case .provisioning:
            return nextStep(state, now: now)
        }
    }

    private static func nextStep(_ state: StoreState, now: Date) -> SagaDecision {
        guard let step = SagaStep.allCases.first(where: { state[$0].status != .succeeded }) else {
            let total = Int((now.timeIntervalSince(state.runStartedAt) * 1000).rounded())
            return .record([.ready(StoreEvent.Ready(urls: StoreURLs(domain: state.spec.domain), totalDurationMs: total))])
        }
        let current = state[step]
        switch current.status {
        case .pending, .compensated:
            return .run(step, attempt: current.attempts + 1)
        case .running:
            // Started but no outcome recorded: the process stopped mid-step. Steps are
            // idempotent, so run the same attempt again.
            return .run(step, attempt: max(current.attempts, 1))
        case .failed where current.retryable:
            if let at = current.nextAttemptAt, at > now { return .wait(until: at) }
            return .run(step, attempt: current.attempts + 1)
        case .failed:
            let reason = "\(step.rawValue) failed: \(current.lastError ?? "unknown error")"
            return .record([
                .compensationStarted(StoreEvent.CompensationStarted(cause: .failure, reason: reason, failedStep: step))
            ])
        case .succeeded:
            return .idle  // unreachable: filtered above
        }
    }

    private static func nextUndo(_ state: StoreState, now: Date) -> SagaDecision {
        guard let undo = state.undo else { return .idle }
        guard let step = state.undoQueue.first else {
            switch undo.cause {
            case .failure:
                return .record([.failed(StoreEvent.Failed(reason: undo.reason, failedStep: undo.failedStep))])
            case .cancelled, .deletion:
                return .record([
                    .deleted(
                        StoreEvent.Deleted(
                            domain: state.spec.domain, extraDomains: state.claimedDomains.isEmpty ? nil : state.claimedDomains))
                ])
            }
        }
        let current = state[step]
        if let at = current.undoNextAttemptAt, at > now { return .wait(until: at) }
        return .undo(step, attempt: current.undoAttempts + 1)
    }

    /// The event that marks the start of an attempt.
    public static func started(_ step: SagaStep, attempt: Int, now: Date, policy: SagaPolicy) -> StoreEvent {
        let deadline = now.addingTimeInterval(policy.deadline(step).seconds)
        return .stepStarted(StoreEvent.StepStarted(step: step, attempt: attempt, deadline: deadline))
    }

    /// Events for the outcome of a step attempt. `random` is uniform in [0, 1).
    public static func afterStep(
        _ state: StoreState, step: SagaStep, attempt: Int, outcome: StepOutcome, now: Date, policy: SagaPolicy,
        random: Double
    ) -> [StoreEvent] {
        let startedAt = state[step].startedAt ?? now
        switch outcome {
        case .succeeded(let details):
            let duration = max(0, Int((now.timeIntervalSince(startedAt) * 1000).rounded()))
            return [
                .stepSucceeded(StoreEvent.StepSucceeded(step: step, attempt: attempt, durationMs: duration, details: details))
            ]
        case .failed(let error) where error.isUnreachable:
            return [
                .stepFailed(
                    waiting(
                        error, step, attempt: attempt, state[step].waitingForCluster, from: startedAt,
                        limit: policy.deadline(step), now: now, policy: policy, random: random))
            ]
        case .failed(let error)
        where error.kind == .transient && state[step].reachedAttempts(attempt) < policy.retry.maxAttempts:
            let wait = policy.retry.delay(afterAttempt: attempt, random: random)
            return [
                .stepFailed(
                    StoreEvent.StepFailed(
                        step: step, attempt: attempt, error: error.message, retryable: true,
                        nextAttemptAt: now.addingTimeInterval(wait.seconds)))
            ]
        case .failed(let error):
            let message =
                error.kind == .transient
                ? "\(error.message) (\(gaveUp(state[step].reachedAttempts(attempt))))" : error.message
            return giveUp(state, step, attempt: attempt, message: message)
        case .deadlineExceeded(let limit) where state[step].waitingForCluster != nil:
            return [.stepFailed(afterWaiting(step, attempt: attempt, limit: limit, now: now))]
        case .deadlineExceeded(let limit):
            return giveUp(state, step, attempt: attempt, message: "deadline of \(format(limit)) passed")
        }
    }

    /// An attempt that began while the step waited for the cluster and ran out its deadline,
    /// though the cluster answers again (else the runtime records it as unreachable): it may
    /// have spent its time connecting while the cluster came back, so it is retried at once,
    /// as a failure of a cluster that answered (no longer waiting: one that hangs again is the
    /// step's own failure).
    static func afterWaiting(_ step: SagaStep, attempt: Int, limit: Duration, now: Date) -> StoreEvent.StepFailed {
        StoreEvent.StepFailed(
            step: step, attempt: attempt, error: "\(waitedMessage(limit))", retryable: true, nextAttemptAt: now)
    }

    static func waitedMessage(_ limit: Duration) -> String {
        "deadline of \(format(limit)) passed in an attempt begun while the cluster could not be reached; retried"
    }

    private static func giveUp(_ state: StoreState, _ step: SagaStep, attempt: Int, message: String) -> [StoreEvent] {
        let failed = StoreEvent.stepFailed(
            StoreEvent.StepFailed(step: step, attempt: attempt, error: message, retryable: false, nextAttemptAt: nil))
        // A deletion that arrived while the step ran wins: `next` starts its teardown, which
        // ends in `StoreDeleted`. Starting a failure compensation here would end in
        // `StoreFailed` and lose the deletion.
        if state.status == .deleting { return [failed] }
        return [
            failed,
            .compensationStarted(
                StoreEvent.CompensationStarted(
                    cause: .failure, reason: "\(step.rawValue) failed: \(message)", failedStep: step)),
        ]
    }

    /// Events for the outcome of an undo attempt.
    public static func afterUndo(
        _ state: StoreState, step: SagaStep, attempt: Int, outcome: StepOutcome, now: Date, policy: SagaPolicy,
        random: Double
    ) -> [StoreEvent] {
        let message: String
        switch outcome {
        case .succeeded:
            return [.stepCompensated(StoreEvent.StepCompensated(step: step, attempt: attempt))]
        case .failed(let error) where error.isUnreachable:
            // Undoing needs the cluster too: wait for it rather than give up with leftovers.
            return [
                .compensationStepFailed(
                    waiting(
                        error, step, attempt: attempt, state[step].waitingForCluster, from: now,
                        limit: policy.undoDeadline, now: now, policy: policy, random: random))
            ]
        case .failed(let error)
        where error.kind == .transient && state[step].reachedUndoAttempts(attempt) < policy.retry.maxAttempts:
            let wait = policy.retry.delay(afterAttempt: attempt, random: random)
            return [
                .compensationStepFailed(
                    StoreEvent.StepFailed(
                        step: step, attempt: attempt, error: error.message, retryable: true,
                        nextAttemptAt: now.addingTimeInterval(wait.seconds)))
            ]
        case .failed(let error):
            message =
                error.kind == .transient
                ? "\(error.message) (\(gaveUp(state[step].reachedUndoAttempts(attempt))))" : error.message
        case .deadlineExceeded(let limit) where state[step].waitingForCluster != nil:
            return [.compensationStepFailed(afterWaiting(step, attempt: attempt, limit: limit, now: now))]
        case .deadlineExceeded(let limit):
            message = "deadline of \(format(limit)) passed"
        }
        // Deleting the namespace removes everything in it: when another undo gives up and
        // the namespace is still to be deleted, record the failure and fall back to that.
        if step != .namespace, state.undoQueue.contains(.namespace) {
            return [
                .compensationStepFailed(
                    StoreEvent.StepFailed(step: step, attempt: attempt, error: message, retryable: false, nextAttemptAt: nil))
            ]
        }
        return [
            .compensationFailed(
                StoreEvent.CompensationFailed(step: step, error: message, leftovers: state.touchedUndoSteps))
        ]
    }

    /// What an attempt that could not reach the cluster records: the wait (since `previous`
    /// began, else since `start`; overdue once it outlasted `limit`, the step's deadline) and
    /// when to try again. While the step has attempts left that is the usual backoff; then the
    /// maximum delay, jittered over its upper half so that stores waiting on one cluster do not
    /// all call it at the same moment when it is back. No give-up: see `ClusterWait`.
    static func waitForCluster(
        _ previous: ClusterWait?, from start: Date, attempt: Int, limit: Duration, now: Date, policy: SagaPolicy,
        random: Double
    ) -> (ClusterWait, Date) {
        let since = previous?.since ?? min(start, now)
        let overdue = now.timeIntervalSince(since) >= limit.seconds
        let delay =
            attempt < policy.retry.maxAttempts
            ? policy.retry.delay(afterAttempt: attempt, random: random).seconds
            : policy.retry.maxDelay.seconds * (0.5 + random / 2)
        return (ClusterWait(since: since, overdue: overdue), now.addingTimeInterval(delay))
    }

    /// The failure of an attempt (or undo attempt) of `step` that could not reach the cluster.
    private static func waiting(
        _ error: ClusterError, _ step: SagaStep, attempt: Int, _ previous: ClusterWait?, from start: Date,
        limit: Duration, now: Date, policy: SagaPolicy, random: Double
    ) -> StoreEvent.StepFailed {
        let (wait, next) = waitForCluster(
            previous, from: start, attempt: attempt, limit: limit, now: now, policy: policy, random: random)
        return StoreEvent.StepFailed(
            step: step, attempt: attempt, error: error.message, retryable: true, nextAttemptAt: next,
            waitingForCluster: wait)
    }

    static func gaveUp(_ attempts: Int) -> String {
        attempts == 1 ? "gave up after 1 attempt" : "gave up after \(attempts) attempts"
    }

    static func format(_ duration: Duration) -> String {
        let seconds = duration.seconds
        return seconds >= 1 ? "\(Int(seconds.rounded()))s" : "\(Int((seconds * 1000).rounded()))ms"
    }
}
