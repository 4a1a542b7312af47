import Foundation
import Metrics

/// Saga figures for `/metrics` (through swift-metrics; the server bootstraps Prometheus).
enum SagaMetrics {
    static func record(_ call: SagaCall, outcome: StepOutcome, since started: Date?, now: Date) {
        guard case .run(let step, _) = call else {
            Counter(label: "urumi_saga_undos_total", dimensions: [("step", call.step.rawValue), ("outcome", name(outcome))])
                .increment()
            return
        }
        let result = name(outcome)
        Counter(label: "urumi_saga_steps_total", dimensions: [("step", step.rawValue), ("outcome", result)]).increment()
        if let started {
            Timer(label: "urumi_saga_step_duration_seconds", dimensions: [("step", step.rawValue), ("outcome", result)])
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
