import Foundation

/// A saga as a pure plan over a store's state: what to do next, what to record around a
/// cluster call, and which events from elsewhere interrupt a running call. The runtime
/// (`SagaRunner` driven by `SagaCoordinator`, or a test) executes any plan the same way.
public protocol SagaPlan: Sendable {
    /// What to do now.
    func next(_ state: StoreState, now: Date) -> SagaDecision
    /// Events recorded just before `call` runs (e.g. `StepStarted` with its deadline).
    func started(_ call: SagaCall, on state: StoreState, now: Date) -> [StoreEvent]
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

    public func started(_ call: SagaCall, on state: StoreState, now: Date) -> [StoreEvent] {
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
        case .change:
            []
        }
    }

    public func deadline(of call: SagaCall) -> Duration {
        switch call {
        case .run(let step, _): policy.deadline(step)
        case .undo: policy.undoDeadline
        case .change(let step, _): policy.deadline(step)
        }
    }

    public func interrupts(_ event: StoreEvent) -> Bool {
        if case .deletionRequested = event { return true }
        return false
    }
}

/// A day-two operation (update, suspend, resume, a domain): its steps, then on a failure the
/// rollback to the last good revision. Deletion interrupts it like provisioning.
public struct StoreOperationPlan: SagaPlan {
    public let policy: SagaPolicy

    public init(policy: SagaPolicy) {
        self.policy = policy
    }

    public func next(_ state: StoreState, now: Date) -> SagaDecision {
        OperationPlanner.next(state, now: now)
    }

    public func started(_ call: SagaCall, on state: StoreState, now: Date) -> [StoreEvent] {
        guard case .change(let step, let attempt) = call, let operation = state.operation else { return [] }
        return [OperationPlanner.started(step, attempt: attempt, operation: operation.id, now: now, policy: policy)]
    }

    public func outcome(of call: SagaCall, _ outcome: StepOutcome, on state: StoreState, now: Date, random: Double)
        -> [StoreEvent]
    {
        guard case .change(let step, let attempt) = call else { return [] }
        return OperationPlanner.afterStep(
            state, step: step, attempt: attempt, outcome: outcome, now: now, policy: policy, random: random)
    }

    public func deadline(of call: SagaCall) -> Duration {
        if case .change(let step, _) = call { return policy.deadline(step) }
        return policy.undoDeadline
    }

    public func interrupts(_ event: StoreEvent) -> Bool {
        if case .deletionRequested = event { return true }
        return false
    }
}

/// Every saga of a store, one plan at a time: a day-two operation while the store is
/// `updating`, its life (provisioning, compensation, deletion) otherwise. The coordinator and
/// the tests run this one plan.
public struct StoreSagaPlan: SagaPlan {
    public let lifecycle: StoreLifecyclePlan
    public let operations: StoreOperationPlan

    public init(policy: SagaPolicy) {
        lifecycle = StoreLifecyclePlan(policy: policy)
        operations = StoreOperationPlan(policy: policy)
    }

    /// What to do now, whatever the policy (the saga queue asks this to index due stores).
    public static func next(_ state: StoreState, now: Date) -> SagaDecision {
        state.status.isOperating ? OperationPlanner.next(state, now: now) : SagaPlanner.next(state, now: now)
    }

    private func plan(for call: SagaCall) -> any SagaPlan {
        if case .change = call { return operations }
        return lifecycle
    }

    public func next(_ state: StoreState, now: Date) -> SagaDecision { Self.next(state, now: now) }

    public func started(_ call: SagaCall, on state: StoreState, now: Date) -> [StoreEvent] {
        plan(for: call).started(call, on: state, now: now)
    }

    public func outcome(of call: SagaCall, _ outcome: StepOutcome, on state: StoreState, now: Date, random: Double)
        -> [StoreEvent]
    {
        plan(for: call).outcome(of: call, outcome, on: state, now: now, random: random)
    }

    public func deadline(of call: SagaCall) -> Duration { plan(for: call).deadline(of: call) }

    public func interrupts(_ event: StoreEvent) -> Bool {
        lifecycle.interrupts(event) || operations.interrupts(event)
    }
}
