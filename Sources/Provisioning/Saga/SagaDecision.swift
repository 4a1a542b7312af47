import Foundation

/// What the saga should do next for one store.
public enum SagaDecision: Sendable, Hashable {
    /// Record `StepStarted`, then run the step with this attempt number.
    case run(SagaStep, attempt: Int)
    /// Undo the step (uninstall, delete the namespace), attempt number as given.
    case undo(SagaStep, attempt: Int)
    /// Record these events; no cluster call.
    case record([StoreEvent])
    /// Nothing until then (a retry's backoff).
    case wait(until: Date)
    /// Nothing to do: the store is at rest.
    case idle
}

/// How a step or an undo ended.
public enum StepOutcome: Sendable, Hashable {
    case succeeded(details: [String: String])
    case failed(ClusterError)
    /// The attempt's deadline passed.
    case deadlineExceeded(Duration)
}
