import Foundation
import Metrics

/// Saga figures for `/metrics` (through swift-metrics; the server bootstraps Prometheus).
enum SagaMetrics {
    static func record(step: SagaStep, outcome: StepOutcome, since started: Date?, now: Date) {
        let result = name(outcome)
        Counter(label: "urumi_saga_steps_total", dimensions: [("step", step.rawValue), ("outcome", result)]).increment()
        if let started {
            Timer(label: "urumi_saga_step_duration_seconds", dimensions: [("step", step.rawValue), ("outcome", result)])
                .recordNanoseconds(Int64(max(0, now.timeIntervalSince(started)) * 1e9))
        }
    }

    static func recordUndo(step: SagaStep, outcome: StepOutcome) {
        Counter(label: "urumi_saga_undos_total", dimensions: [("step", step.rawValue), ("outcome", name(outcome))]).increment()
    }

    private static func name(_ outcome: StepOutcome) -> String {
        switch outcome {
        case .succeeded: "succeeded"
        case .failed(let error): error.kind == .transient ? "transient_failure" : "permanent_failure"
        case .deadlineExceeded: "deadline_exceeded"
        }
    }
}
