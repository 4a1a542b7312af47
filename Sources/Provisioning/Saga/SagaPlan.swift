import Foundation

/// A saga as a pure plan over a store's state: what to do next, what to record around a
/// cluster call, and which events from elsewhere interrupt a running call. The runtime
/// (`SagaRunner` driven by `SagaCoordinator`, or a test) executes any plan the same way.
public protocol SagaPlan: Sendable {
    /// What to do now.
    func next(_ state: StoreState, now: Date) -> SagaDecision
    /// Events recorded just before `call` runs (e.g. `StepStarted` with its deadline).
    func started(_ call: SagaCall, now: Date) -> [StoreEvent]
    /// Events that record how `call` ended. `random` is uniform in [0, 1) (retry jitter).
    func outcome(of call: SagaCall, _ outcome: StepOutcome, on state: StoreState, now: Date, random: Double)
        -> [StoreEvent]
    /// How long one attempt of `call` may take.
    func deadline(of call: SagaCall) -> Duration
    /// Whether `event`, appended by someone else, must interrupt a running call (reload and re-plan).
    func interrupts(_ event: StoreEvent) -> Bool
}

/// The store's life: provisioning, compensation after a failure, and deletion.
public struct StoreLifecyclePlan: SagaPlan {
    public let policy: SagaPolicy

    public init(policy: SagaPolicy) {
        self.policy = policy
    }

    public func next(_ state: StoreState, now: Date) -> SagaDecision {
        SagaPlanner.next(state, now: now)
    }

    public func started(_ call: SagaCall, now: Date) -> [StoreEvent] {
        guard case .run(let step, let attempt) = call else { return [] }
        return [SagaPlanner.started(step, attempt: attempt, now: now, policy: policy)]
    }

    public func outcome(of call: SagaCall, _ outcome: StepOutcome, on state: StoreState, now: Date, random: Double)
        -> [StoreEvent]
    {
        switch call {
        case .run(let step, let attempt):
            SagaPlanner.afterStep(
                state, step: step, attempt: attempt, outcome: outcome, now: now, policy: policy, random: random)
        case .undo(let step, let attempt):
            SagaPlanner.afterUndo(
                state, step: step, attempt: attempt, outcome: outcome, now: now, policy: policy, random: random)
        }
    }

    public func deadline(of call: SagaCall) -> Duration {
        switch call {
        case .run(let step, _): policy.deadline(step)
        case .undo: policy.undoDeadline
        }
    }

    public func interrupts(_ event: StoreEvent) -> Bool {
        if case .deletionRequested = event { return true }
        return false
    }
}
