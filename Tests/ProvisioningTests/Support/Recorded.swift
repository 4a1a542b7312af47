import Foundation

@testable import Provisioning

/// An event of a store's stream with the instant it was recorded.
struct Recorded: Sendable, Hashable {
    var event: StoreEvent
    var at: Date
}

extension Recorded: CustomStringConvertible {
    /// One line per event for sequence assertions: the wire name without `store.` and `.v1`,
    /// then the fields that matter; waits are shown relative to the event's own time.
    var description: String {
        let name = event.type.dropFirst("store.".count).dropLast(".v1".count)
        return "\(name) \(fields)"
    }

    private var fields: String {
        switch event {
        case .requested(let e):
            "\(e.name) at \(e.domain) (\(e.plan)) by \(e.requestedBy)"
        case .stepStarted(let e):
            "\(e.step) #\(e.attempt)"
        case .stepSucceeded(let e):
            "\(e.step) #\(e.attempt) in \(e.durationMs)ms"
        case .stepFailed(let e), .compensationStepFailed(let e):
            "\(e.step) #\(e.attempt), \(retry(e))\(waiting(e.waitingForCluster)): \(e.error)"
        case .ready(let e):
            "\(e.urls.shop) (admin \(e.urls.admin)) after \(e.totalDurationMs)ms"
        case .compensationStarted(let e):
            "\(e.cause)\(e.failedStep.map { " of \($0)" } ?? ""): \(e.reason)"
        case .stepCompensated(let e):
            "\(e.step) #\(e.attempt)"
        case .compensationFailed(let e):
            "\(e.step), leftovers \(e.leftovers.map(\.rawValue)): \(e.error)"
        case .failed(let e):
            "at \(e.failedStep.map(\.rawValue) ?? "-"): \(e.reason)"
        case .deletionRequested(let e):
            "by \(e.by)"
        case .deleted(let e):
            e.domain
        case .retryRequested(let e):
            "by \(e.by) from \(e.fromStep) (failed at \(e.failedStep.map(\.rawValue) ?? "-"))"
        case .credentialsViewed(let e):
            "by \(e.by)"
        case .changeRequested(let e):
            "\(e.kind.rawValue) by \(e.by)"
        case .changeStepStarted(let e):
            "\(e.step) #\(e.attempt)"
        case .changeStepSucceeded(let e):
            "\(e.step) #\(e.attempt)\(e.details["revision"].map { " revision \($0)" } ?? "")"
        case .changeStepFailed(let e):
            "\(e.step) #\(e.attempt), \(e.retryable ? (e.nextAttemptAt.map { "retry in \(millis(from: at, to: $0))ms" } ?? "retry now") : "final")\(waiting(e.waitingForCluster)): \(e.error)"
        case .rollbackStarted(let e):
            "to \(e.toRevision.map(String.init) ?? "previous") after \(e.failedStep.map(\.rawValue) ?? "-"): \(e.reason)"
        case .changed(let e), .suspended(let e), .resumed(let e), .restored(let e):
            "\(e.kind.rawValue) at revision \(e.revision.map(String.init) ?? "-")\(e.backup.map { " from \($0)" } ?? "")"
        case .backupCompleted(let e):
            "\(e.backup) (\(e.reason.rawValue)) \(e.manifest.totalBytes) bytes"
        case .backupFailed(let e):
            "\(e.backup): \(e.error)"
        case .backupDeleted(let e), .backupExpired(let e):
            "\(e.backup): \(e.reason)"
        case .deletionProtectionChanged(let e):
            "\(e.enabled ? "on" : "off") by \(e.by)"
        case .forgotten(let e):
            "by \(e.by)"
        case .healthChecked(let e):
            "\(e.outcome.rawValue) \(e.check)\(e.failedStep.map { " at \($0)" } ?? "") failures \(e.consecutiveFailures)\(e.degraded ? " degraded" : "")"
        case .driftDetected(let e):
            "\(e.action.rawValue) \(e.differences.map(\.description).joined(separator: "; "))"
        case .changeFailed(let e):
            "\(e.kind.rawValue) \(e.rolledBack ? "rolled back" : "NOT rolled back") at revision \(e.revision.map(String.init) ?? "-"): \(e.reason)"
        }
    }

    /// `, waiting for the cluster for 12000ms (overdue)` when the attempt could not reach it.
    private func waiting(_ wait: ClusterWait?) -> String {
        guard let wait else { return "" }
        return ", waiting for the cluster for \(millis(from: wait.since, to: at))ms\(wait.overdue ? " (overdue)" : "")"
    }

    private func retry(_ failed: StoreEvent.StepFailed) -> String {
        guard failed.retryable else { return "final" }
        guard let next = failed.nextAttemptAt else { return "retry now" }
        return "retry in \(millis(from: at, to: next))ms"
    }
}

/// The lines of a sequence of recorded events (see `Recorded.description`).
func lines(_ events: [Recorded]) -> [String] { events.map(\.description) }
