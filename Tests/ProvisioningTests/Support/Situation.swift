import Testing

@testable import Provisioning

/// Where a store can be when a command arrives, each reached by running the saga.
enum Situation: String, CaseIterable, Sendable, CustomTestStringConvertible {
    /// The namespace is up; the helm step was started when the process stopped.
    case provisioning
    case ready
    /// MySQL failed for good; helm's uninstall was under way when the process stopped.
    case compensating
    /// Deleted after it was ready; helm's uninstall was under way when the process stopped.
    case deleting
    case deleted
    /// WordPress failed for good and everything was undone.
    case failed
    /// WordPress failed for good and the namespace could not be deleted.
    case failedNeedingAttention

    var testDescription: String { rawValue }

    /// A driver whose stream leaves the store in this situation.
    var driver: SagaDriver {
        switch self {
        case .provisioning:
            var saga = SagaDriver.created(cluster: ScriptedCluster().running(.helm, .crash))
            saga.run()
            return saga
        case .ready:
            var saga = SagaDriver.created()
            saga.run()
            return saga
        case .compensating:
            var saga = SagaDriver.created(
                cluster: ScriptedCluster().running(.mysql, .permanent()).undoing(.helm, .crash))
            saga.run()
            return saga
        case .deleting:
            var saga = SagaDriver.created(cluster: ScriptedCluster().undoing(.helm, .crash))
            saga.run()
            try! saga.send(.delete(by: "bob"))
            saga.run()
            return saga
        case .deleted:
            var saga = SagaDriver.created()
            saga.run()
            try! saga.send(.delete(by: "bob"))
            saga.run()
            return saga
        case .failed:
            var saga = SagaDriver.created(cluster: ScriptedCluster().running(.wordpress, .permanent()))
            saga.run()
            return saga
        case .failedNeedingAttention:
            var saga = SagaDriver.created(
                cluster: ScriptedCluster().running(.wordpress, .permanent()).undoing(
                    .namespace, .permanent("namespace is stuck terminating")))
            saga.run()
            return saga
        }
    }

    /// The status the store shows in this situation.
    var status: StoreStatus {
        switch self {
        case .provisioning: .provisioning
        case .ready: .ready
        case .compensating: .compensating
        case .deleting: .deleting
        case .deleted: .deleted
        case .failed, .failedNeedingAttention: .failed
        }
    }
}
