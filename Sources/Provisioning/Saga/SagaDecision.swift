import Foundation

/// A cluster call a saga makes. New operations add cases here (and to `ClusterDriver`), not
/// new runtime code: the runtime performs whatever call a plan asks for.
public enum SagaCall: Sendable, Hashable {
    /// Run a provisioning step (attempt number as given).
    case run(SagaStep, attempt: Int)
    /// Undo a step (uninstall, delete the namespace).
    case undo(SagaStep, attempt: Int)
    /// A step of a day-two operation or of its rollback.
    case change(OperationStep, attempt: Int)

    public var attempt: Int {
        switch self {
        case .run(_, let attempt), .undo(_, let attempt), .change(_, let attempt): attempt
        }
    }
}

/// What a saga plan says to do next for one store.
public enum SagaDecision: Sendable, Hashable {
    /// Make this cluster call (the plan's `started` events are recorded first).
    case call(SagaCall)
    /// Record these events; no cluster call.
    case record([StoreEvent])
    /// Nothing until then (a retry's backoff).
    case wait(until: Date)
    /// Nothing to do: the store is at rest.
    case idle

    /// Record `StepStarted`, then run the step.
    public static func run(_ step: SagaStep, attempt: Int) -> SagaDecision { .call(.run(step, attempt: attempt)) }
    /// Undo the step.
    public static func undo(_ step: SagaStep, attempt: Int) -> SagaDecision { .call(.undo(step, attempt: attempt)) }
}

/// How a cluster call ended.
public enum StepOutcome: Sendable, Hashable {
    case succeeded(details: [String: String])
    case failed(ClusterError)
    /// The attempt's deadline passed.
    case deadlineExceeded(Duration)
}
