import Foundation
import Testing

@testable import Provisioning

private let release = "store-0b7e2f4c"
private let values = ["plan": "small", "storeName": "Demo Shop", "suspended": "false"]

private func observed(
    revision: Int? = 1, values: [String: String] = values, missing: Set<String> = []
) -> ClusterObservation {
    ClusterObservation(
        revision: revision, values: values,
        objects: ["\(release)-mysql", "\(release)-wordpress"].map {
            ClusterObservation.Object(kind: $0.hasSuffix("mysql") ? "StatefulSet" : "Deployment", name: $0, present: !missing.contains($0))
        })
}

private let deletedDeployment = DriftDifference(kind: .object, name: "Deployment/\(release)-wordpress", expected: "present", actual: nil)

/// A store that was provisioned (revision 1 of its release) and is ready.
private func readyStore(_ cluster: ScriptedCluster = ScriptedCluster()) throws -> SagaDriver {
    var saga = SagaDriver.created(cluster: cluster)
    saga.run()
    try #require(saga.state?.status == .ready)
    return saga
}

private func drift(_ action: DriftAction, _ differences: [DriftDifference] = [deletedDeployment]) -> StoreEvent.DriftDetected {
    StoreEvent.DriftDetected(
        check: "d1", differences: differences, action: action, operation: action == .corrected ? "reconcile-1" : nil,
        observedRevision: 1)
}

@Suite("Drift: the cluster against the log")
struct DriftTests {
    @Test func aClusterThatMatchesTheLogHasNoDrift() {
        #expect(DriftDetector.differences(expectedRevision: 1, expectedValues: values, observation: observed(), release: release).isEmpty)
    }

    @Test func aDeletedObjectIsNamed() {
        let found = DriftDetector.differences(
            expectedRevision: 1, expectedValues: values, observation: observed(missing: ["\(release)-wordpress"]), release: release)
        #expect(found == [deletedDeployment])
        #expect(found.first?.description == "object Deployment/\(release)-wordpress: present → absent")
    }

    @Test func aValueChangedOutOfBandShowsAsANewRevisionAndTheValue() {
        var changed = values
        changed["plan"] = "large"
        changed["extra"] = "1"
        let found = DriftDetector.differences(
            expectedRevision: 1, expectedValues: values, observation: observed(revision: 2, values: changed), release: release)
        #expect(
            found == [
                DriftDifference(kind: .revision, name: "revision", expected: "1", actual: "2"),
                DriftDifference(kind: .value, name: "extra", expected: nil, actual: "1"),
                DriftDifference(kind: .value, name: "plan", expected: "small", actual: "large"),
            ])
    }

    @Test func aStoreWithoutARecordedRevisionComparesOnlyValuesAndObjects() {
        #expect(DriftDetector.differences(expectedRevision: nil, expectedValues: values, observation: observed(revision: 7), release: release).isEmpty)
    }

    @Test func aMissingReleaseIsOneDifferencePlusItsMissingObjects() {
        let found = DriftDetector.differences(
            expectedRevision: 1, expectedValues: values,
            observation: observed(revision: nil, values: [:], missing: ["\(release)-mysql", "\(release)-wordpress"]), release: release)
        #expect(found.map(\.kind) == [.release, .object, .object])
        #expect(found.first == DriftDifference(kind: .release, name: release, expected: "installed", actual: nil))
    }

    @Test func correctedDriftStartsAReconcileThatReappliesTheSameConfigAndRecordsTheNewRevision() throws {
        var saga = try readyStore()
        let config = try #require(saga.state?.applied)
        let events = try saga.send(.recordDrift(drift(.corrected), observedVersion: 0, by: "system"))
        #expect(events.count == 2)
        guard case .changeRequested(let requested) = events.last else { Issue.record("no operation: \(events)"); return }
        #expect(requested.kind == .reconcile)
        #expect(requested.operation == "reconcile-1")
        #expect(requested.from == config && requested.to == config)
        #expect(saga.state?.drift?.state == .correcting)
        #expect(saga.state?.status == .updating)

        let run = saga.run()
        #expect(
            lines(run) == [
                "change-step-started apply #1", "change-step-succeeded apply #1 revision 2",
                "change-step-started workloads #1", "change-step-succeeded workloads #1",
                "changed reconcile at revision 2",
            ])
        let state = try #require(saga.state)
        #expect(state.status == .ready)
        #expect(state.helmRevision == 2)
        #expect(state.drift?.state == .corrected)
        #expect(state.drift?.correctedBy == "reconcile-1")
        #expect(state.operations.last?.kind == .reconcile)
        var counts = StoreCounts()
        counts.add(StoreView(state))
        #expect(counts.drifted == 0)
    }

    @Test func reportedDriftIsRecordedAloneAndStaysUntilAnOperationAppliesTheRelease() throws {
        var saga = try readyStore()
        let events = try saga.send(.recordDrift(drift(.reported), observedVersion: 0, by: "system"))
        #expect(events == [.driftDetected(drift(.reported))])
        var state = try #require(saga.state)
        #expect(state.status == .ready)
        #expect(state.operation == nil)
        #expect(state.drift?.state == .reported)
        #expect(StoreView(state).drift?.differences == [deletedDeployment])
        var counts = StoreCounts()
        counts.add(StoreView(state))
        #expect(counts.drifted == 1)
        #expect(counts.prometheus.contains("urumi_stores_drifted 1"))

        try saga.send(.change(.update, StoreChange(plan: .medium), operation: "op-2", by: "alice"))
        saga.run()
        state = try #require(saga.state)
        #expect(state.drift?.state == .corrected)
        #expect(state.drift?.correctedBy == "op-2")
    }

    @Test func aReconcileThatFailsRollsBackAndLeavesTheDriftUncorrected() throws {
        var saga = try readyStore(ScriptedCluster().changing(.apply, .permanent("UPGRADE FAILED")))
        try saga.send(.recordDrift(drift(.corrected), observedVersion: 0, by: "system"))
        let run = saga.run()
        #expect(lines(run).contains { $0.hasPrefix("rollback-started") })
        let state = try #require(saga.state)
        #expect(state.status == .ready)
        #expect(state.operations.last?.outcome == .rolledBack)
        #expect(state.drift?.state == .correctionFailed)
        #expect(state.drift?.isOutstanding == true)
    }

    @Test func driftFoundBeforeTheStoreMovedIsRefused() throws {
        let saga = try readyStore()
        let state = try #require(saga.state)
        #expect(throws: ProvisioningError.concurrentModification(Fixtures.id)) {
            try StoreDecider.decide(.recordDrift(drift(.corrected), observedVersion: 5, by: "system"), id: Fixtures.id, state: state)
        }
    }

    @Test func aStoreUnderAnOperationIsNotRecorded() throws {
        var saga = try readyStore()
        try saga.send(.change(.update, StoreChange(plan: .medium), operation: "op-2", by: "alice"))
        let state = try #require(saga.state)
        #expect(!DriftChecker.isCheckable(state))
        #expect(throws: ProvisioningError.self) {
            try StoreDecider.decide(.recordDrift(drift(.reported), observedVersion: 0, by: "system"), id: Fixtures.id, state: state)
        }
    }
}
