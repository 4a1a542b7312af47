import Foundation
import Metrics

/// Saga figures for `/metrics` (through swift-metrics; the server bootstraps Prometheus).
enum SagaMetrics {
    static func record(_ call: SagaCall, outcome: StepOutcome, since started: Date?, now: Date) {
        let step: String
        switch call {
        case .run(let run, _):
            step = run.rawValue
        case .undo(let undone, _):
            Counter(label: "urumi_saga_undos_total", dimensions: [("step", undone.rawValue), ("outcome", name(outcome))])
                .increment()
            return
        case .change(let changed, _):
            Counter(
                label: "urumi_saga_operation_steps_total", dimensions: [("step", changed.rawValue), ("outcome", name(outcome))]
            ).increment()
            return
        }
        let result = name(outcome)
        Counter(label: "urumi_saga_steps_total", dimensions: [("step", step), ("outcome", result)]).increment()
        if let started {
            Timer(label: "urumi_saga_step_duration_seconds", dimensions: [("step", step), ("outcome", result)])
                .recordNanoseconds(Int64(max(0, now.timeIntervalSince(started)) * 1e9))
        }
    }

    private static func name(_ outcome: StepOutcome) -> String {
        switch outcome {
        case .succeeded: "succeeded"
        case .failed(let error): error.kind == .transient ? "transient_failure" : "permanent_failure"
        case .deadlineExceeded: "deadline_exceeded"
        }
    }
}
