import Foundation
import Testing

@testable import Provisioning

/// A store that was provisioned (revision 1 of its release) and is ready, at 96 s.
private func readyStore(_ cluster: ScriptedCluster = ScriptedCluster()) throws -> SagaDriver {
    var saga = SagaDriver.created(cluster: cluster)
    saga.run()
    try #require(saga.state?.status == .ready)
    return saga
}

private func change(_ kind: OperationKind, _ change: StoreChange, id: String = "op-1") -> StoreCommand {
    .change(kind, change, operation: id, by: "alice")
}

private let toMedium = change(.update, StoreChange(plan: .medium))

@Suite("Day-two operations as sagas")
struct SagaOperationTests {
    @Test func aPlanChangeUpgradesTheReleaseWaitsForTheWorkloadsAndTheSetupThenRecordsTheNewConfig() throws {
        var saga = try readyStore()
        let events = try saga.send(toMedium)
        #expect(events.first?.claims == [])
        let run = saga.run()

        #expect(
            lines(run) == [
                "change-step-started apply #1", "change-step-succeeded apply #1 revision 2",
                "change-step-started workloads #1", "change-step-succeeded workloads #1",
                "change-step-started setup #1", "change-step-succeeded setup #1",
                "changed update at revision 2",
            ])
        let state = try #require(saga.state)
        #expect(state.status == .ready)
        #expect(state.applied?.plan == .medium)
        #expect(state.desired == state.applied)
        #expect(state.helmRevision == 2)
        #expect(state.lastGoodRevision == 2)
        #expect(state.operation == nil)
        #expect(state.operations.map(\.outcome) == [.succeeded])
        #expect(StoreView(state).plan == .medium)
        #expect(saga.cluster.changeCalls == ["change apply #1", "change workloads #1", "change setup #1"])
        #expect(StoreSagaPlan.next(state, now: saga.now) == .idle)
    }

    @Test func whileItRunsTheStoreIsUpdatingAndShowsItsOperationStepByStep() throws {
        var saga = try readyStore(ScriptedCluster().changing(.setup, .crash))
        try saga.send(toMedium)
        saga.run()  // the process dies during the setup step

        let view = StoreView(try #require(saga.state))
        #expect(view.status == .updating)
        #expect(view.plan == .small, "the list shows the config the cluster runs until the change is done")
        #expect(view.desired.plan == .medium)
        let operation = try #require(view.operation)
        #expect(operation.kind == .update)
        #expect(operation.phase == "applying")
        #expect(operation.currentStep == .setup)
        #expect(operation.steps.map(\.status) == [.succeeded, .succeeded, .running])
        #expect(view.urls != nil, "the shop keeps serving during an update")
    }

    @Test func aStepThatFailsForAMomentIsRetriedWithBackoff() throws {
        var saga = try readyStore(ScriptedCluster().changing(.workloads, .transient(), .transient()))
        try saga.send(toMedium)
        let run = saga.run()

        #expect(
            lines(run).filter { $0.contains("workloads") } == [
                "change-step-started workloads #1",
                "change-step-failed workloads #1, retry in 1000ms: 503 Service Unavailable",
                "change-step-started workloads #2",
                "change-step-failed workloads #2, retry in 2000ms: 503 Service Unavailable",
                "change-step-started workloads #3", "change-step-succeeded workloads #3",
            ])
        #expect(lines(run).last == "changed update at revision 2")
        #expect(saga.waits.count == 2)
    }

    @Test(arguments: [OperationStep.apply, .workloads, .setup])
    func aPermanentFailureRollsTheReleaseBackToTheLastGoodRevision(step: OperationStep) throws {
        var saga = try readyStore(ScriptedCluster().changing(step, .permanent("boom")))
        try saga.send(toMedium)
        let run = saga.run()

        let before = OperationKind.update.steps.prefix { $0 != step }
        // The failed apply made no revision; a later failure comes after revision 2.
        let rolledBackRevision = step == .apply ? 2 : 3
        #expect(
            Array(lines(run).suffix(6)) == [
                "rollback-started to 1 after \(step): \(step) failed: boom",
                "change-step-started rollback #1", "change-step-succeeded rollback #1 revision \(rolledBackRevision)",
                "change-step-started recover #1", "change-step-succeeded recover #1",
                "change-failed update rolled back at revision \(rolledBackRevision): \(step) failed: boom",
            ])
        #expect(
            saga.cluster.changeCalls
                == before.map { "change \($0) #1" } + ["change \(step) #1", "change rollback #1", "change recover #1"])
        let state = try #require(saga.state)
        #expect(state.status == .ready, "a failed change leaves the store serving its previous config")
        #expect(state.applied?.plan == .small)
        #expect(state.desired.plan == .small)
        #expect(!state.needsAttention)
        #expect(state.lastGoodRevision == rolledBackRevision)
        let record = try #require(state.operations.last)
        #expect(record.outcome == .rolledBack)
        #expect(record.failedStep == step)
        #expect(record.reason == "\(step) failed: boom")
    }

    @Test func aVersionUpgradeWhoseSetupFailedIsNotRolledBackUnderAMigratedDatabase() throws {
        var saga = try readyStore(ScriptedCluster().changing(.setup, .permanent("wc update failed")))
        try saga.send(change(.update, StoreChange(woocommerceVersion: "11.2.0")))
        let run = saga.run()
        #expect(lines(run).last == "change-failed update NOT rolled back at revision 2: setup failed: wc update failed")
        #expect(!saga.cluster.changeCalls.contains("change rollback #1"), "no helm rollback under a migrated database")
        let state = try #require(saga.state)
        #expect(state.needsAttention)
        #expect(state.operations.last?.leftovers?.contains("roll forward") == true)
        // A plan change that fails at the same step is rolled back as usual.
        var plan = try readyStore(ScriptedCluster().changing(.setup, .permanent("boom")))
        try plan.send(toMedium)
        #expect(plan.run().contains { if case .rollbackStarted = $0.event { true } else { false } })
    }

    @Test func aRollbackThatFailsTooNeedsAttentionAndSaysWhatIsLeft() throws {
        let cluster = ScriptedCluster().changing(.setup, .permanent("job failed")).changing(.rollback, .permanent("forbidden"))
        var saga = try readyStore(cluster)
        try saga.send(toMedium)
        let run = saga.run()

        #expect(
            lines(run).suffix(3) == [
                "change-step-started rollback #1", "change-step-failed rollback #1, final: forbidden",
                "change-failed update NOT rolled back at revision 2: setup failed: job failed; then the rollback failed at rollback: forbidden",
            ])
        let state = try #require(saga.state)
        #expect(state.needsAttention)
        #expect(state.status == .ready)
        let record = try #require(state.operations.last)
        #expect(record.outcome == .rollbackFailed)
        #expect(record.leftovers?.contains("helm history") == true, "the history says what to check")
        guard case .changeFailed(let failed) = run.last?.event else {
            Issue.record("the operation did not end with change-failed")
            return
        }
        #expect(failed.leftovers?.contains("revision 2") == true)
        #expect(failed.leftovers?.contains("revision 1") == true)

        // A later change that works clears the flag.
        try saga.send(change(.update, StoreChange(plan: .medium), id: "op-2"))
        saga.run()
        #expect(try #require(saga.state).needsAttention == false)
        #expect(try #require(saga.state).applied?.plan == .medium)
    }

    @Test func suspendScalesDownAndResumeBringsTheShopBack() throws {
        var saga = try readyStore()
        try saga.send(change(.suspend, StoreChange(suspended: true)))
        #expect(lines(saga.run()).last == "suspended suspend at revision 2")
        #expect(try #require(saga.state).status == .suspended)
        #expect(saga.cluster.changeCalls == ["change apply #1", "change workloads #1"], "no setup run while suspended")

        #expect(throws: ProvisioningError.conflict(Fixtures.id, "store is suspended; resume it first")) {
            try saga.send(change(.update, StoreChange(plan: .medium), id: "op-2"))
        }
        try saga.send(change(.resume, StoreChange(suspended: false), id: "op-3"))
        #expect(lines(saga.run()).last == "resumed resume at revision 3")
        let state = try #require(saga.state)
        #expect(state.status == .ready)
        #expect(state.operations.map(\.kind) == [.suspend, .resume])
    }

    @Test func aFailedSuspendRollsBackToAServingStore() throws {
        var saga = try readyStore(ScriptedCluster().changing(.workloads, .hang))
        try saga.send(change(.suspend, StoreChange(suspended: true)))
        let run = saga.run()
        #expect(lines(run).last?.hasPrefix("change-failed suspend rolled back at revision 3: workloads failed: deadline of 600s passed") == true)
        #expect(try #require(saga.state).status == .ready)
    }

    @Test func oneOperationAtATime() throws {
        var saga = try readyStore(ScriptedCluster().changing(.workloads, .crash))
        try saga.send(toMedium)
        saga.run()
        #expect(throws: ProvisioningError.operationRunning(Fixtures.id, operation: "op-1", kind: .update)) {
            try saga.send(change(.suspend, StoreChange(suspended: true), id: "op-2"))
        }
        #expect(throws: ProvisioningError.operationRunning(Fixtures.id, operation: "op-1", kind: .update)) {
            try saga.send(change(.update, StoreChange(name: "Other"), id: "op-3"))
        }
        // After a restart the same operation finishes, and then another may start.
        saga.run()
        try saga.send(change(.suspend, StoreChange(suspended: true), id: "op-2"))
    }

    @Test func aCrashMidUpgradeResumesTheSameOperationNeverAnother() throws {
        var saga = try readyStore(ScriptedCluster().changing(.apply, .crash))
        try saga.send(toMedium)
        #expect(lines(saga.run()) == ["change-step-started apply #1"])
        // The next owner runs the same attempt again (an upgrade to the same values is idempotent).
        let resumed = saga.run()
        #expect(lines(resumed).prefix(2) == ["change-step-started apply #1", "change-step-succeeded apply #1 revision 2"])
        #expect(lines(resumed).last == "changed update at revision 2")
        #expect(saga.cluster.changeCalls.prefix(2) == ["change apply #1", "change apply #1"])
    }

    @Test func aCrashMidRollbackFinishesTheRollback() throws {
        let cluster = ScriptedCluster().changing(.setup, .permanent("boom")).changing(.rollback, .crash)
        var saga = try readyStore(cluster)
        try saga.send(toMedium)
        #expect(lines(saga.run()).last == "change-step-started rollback #1")
        let resumed = saga.run()
        #expect(lines(resumed).last == "change-failed update rolled back at revision 3: setup failed: boom")
        #expect(!lines(resumed).contains { $0.hasPrefix("changed") }, "never both: the upgrade is not completed after its rollback began")
    }

    @Test func deletingAStoreCancelsItsOperationAndTearsItDown() throws {
        var saga = try readyStore(ScriptedCluster().changing(.certificate, Script.succeed().meanwhile(.delete(by: "bob"))))
        try saga.send(change(.addDomain, StoreChange(addDomain: "www.example.com")))
        let run = saga.run()
        #expect(
            lines(run) == [
                "change-step-started apply #1", "change-step-succeeded apply #1 revision 2",
                "change-step-started certificate #1", "deletion-requested by bob",
                "compensation-started deletion: deleted", "step-compensated helm #1", "step-compensated namespace #1",
                "deleted shop.example.com",
            ])
        let state = try #require(saga.state)
        #expect(state.operations.last?.outcome == .cancelled)
        guard case .deleted(let deleted) = run.last?.event else {
            Issue.record("no deleted event")
            return
        }
        #expect(deleted.extraDomains == ["www.example.com"], "the pending domain's claim is released with the store")
        #expect(run.last?.event.releases == ["domain:shop.example.com", "domain:www.example.com"])
    }

    @Test func aDomainStillClaimedAfterAFailedRollbackCanBeRemoved() throws {
        let cluster = ScriptedCluster().changing(.certificate, .permanent("order failed")).changing(.rollback, .permanent("forbidden"))
        var saga = try readyStore(cluster)
        try saga.send(change(.addDomain, StoreChange(addDomain: "www.example.com")))
        saga.run()
        var state = try #require(saga.state)
        #expect(state.needsAttention)
        #expect(state.claimedDomains == ["www.example.com"], "the host may still be served: its claim stays")
        #expect(state.applied?.extraDomains == [])
        try saga.send(change(.removeDomain, StoreChange(removeDomain: "www.example.com"), id: "op-2"))
        let removed = saga.run()
        #expect(removed.last?.event.releases == ["domain:www.example.com"])
        state = try #require(saga.state)
        #expect(state.claimedDomains.isEmpty)
        #expect(!state.needsAttention)
    }

    @Test func aDomainIsClaimedWhenAskedForAndReleasedWhenItsAdditionIsRolledBackOrItIsRemoved() throws {
        var saga = try readyStore(ScriptedCluster().changing(.certificate, .permanent("order failed")))
        let requested = try saga.send(change(.addDomain, StoreChange(addDomain: "www.example.com")))
        #expect(requested.flatMap(\.claims) == ["domain:www.example.com"])
        let failed = saga.run()
        #expect(failed.last?.event.releases == ["domain:www.example.com"])
        #expect(try #require(saga.state).claimedDomains.isEmpty)

        try saga.send(change(.addDomain, StoreChange(addDomain: "www.example.com"), id: "op-2"))
        let added = saga.run()
        #expect(lines(added).last == "changed add-domain at revision 4")
        #expect(added.last?.event.releases == [])
        #expect(try #require(saga.state).applied?.extraDomains == ["www.example.com"])

        try saga.send(change(.removeDomain, StoreChange(removeDomain: "www.example.com"), id: "op-3"))
        let removed = saga.run()
        #expect(removed.last?.event.releases == ["domain:www.example.com"])
        #expect(try #require(saga.state).applied?.extraDomains == [])
    }
}

@Suite("Deciding day-two operations")
struct OperationDeciderTests {
    @Test func aPlanCanOnlyGrowAndVersionsOnlyGoForward() throws {
        var saga = try readyStore()
        try saga.send(change(.update, StoreChange(plan: .large, wordpressVersion: "7.1.0")))
        saga.run()
        #expect(
            throws: ProvisioningError.validation([
                FieldError(field: "plan", message: "cannot go from large to medium: a plan's volumes can grow, never shrink")
            ])
        ) { try saga.send(change(.update, StoreChange(plan: .medium), id: "op-2")) }
        #expect(
            throws: ProvisioningError.validation([
                FieldError(
                    field: "wordpressVersion",
                    message: "cannot go back from 7.1.0 to 7.0.9: the database was migrated; restore a backup instead")
            ])
        ) { try saga.send(change(.update, StoreChange(wordpressVersion: "7.0.9"), id: "op-3")) }
    }

    @Test func anUnpinnedVersionIsTheChartsAndCannotGoBelowIt() throws {
        var saga = try readyStore()
        #expect(
            throws: ProvisioningError.validation([
                FieldError(
                    field: "woocommerceVersion",
                    message: "cannot go back from 11.1.2 to 9.0.0: the database was migrated; restore a backup instead")
            ])
        ) { try saga.send(change(.update, StoreChange(woocommerceVersion: "9.0.0"))) }
        #expect(try saga.send(change(.update, StoreChange(woocommerceVersion: "11.2.0"))).count == 1)
        #expect(throws: ProvisioningError.self) {
            try StoreChange.validate(StoreChangeInput(woocommerceVersion: "11.2"))  // the chart takes x.y.z only
        }
        #expect(throws: ProvisioningError.self) { try StoreChange.validate(StoreChangeInput(wordpressVersion: "7.1.0.1")) }
    }

    @Test func deletionProtectionRefusesDeleteUntilItIsTurnedOff() throws {
        var saga = try readyStore()
        let on = try saga.send(.protect(true, then: nil, by: "alice"))
        #expect(lines(on.map { Recorded(event: $0, at: saga.now) }) == ["deletion-protection-changed on by alice"])
        #expect(try saga.send(.protect(true, then: nil, by: "alice")).isEmpty, "already on: nothing to record")
        #expect(
            throws: ProvisioningError.conflict(
                Fixtures.id, "store has deletion protection; turn it off first (PATCH deletionProtection: false)")
        ) { try saga.send(.delete(by: "bob")) }
        // Protection and a change in one append; the change still runs as an operation.
        let both = try saga.send(.protect(false, then: change(.update, StoreChange(plan: .medium)), by: "alice"))
        #expect(both.map(\.type) == ["store.deletion-protection-changed.v1", "store.change-requested.v1"])
        saga.run()
        #expect(try saga.send(.delete(by: "bob")).count == 1)
    }

    @Test func aChangeThatChangesNothingIsNoOperation() throws {
        var saga = try readyStore()
        #expect(try saga.send(change(.update, StoreChange(plan: .small))).isEmpty)
        #expect(try saga.send(change(.update, StoreChange(name: "Demo Shop"))).isEmpty)
    }

    @Test func onlyAReadyOrSuspendedStoreCanBeChanged() throws {
        var provisioning = SagaDriver.created()
        #expect(throws: ProvisioningError.conflict(Fixtures.id, "store is provisioning; only a ready or suspended store can be changed")) {
            try provisioning.send(toMedium)
        }
        var saga = try readyStore()
        #expect(throws: ProvisioningError.conflict(Fixtures.id, "store is not suspended")) {
            try saga.send(change(.resume, StoreChange(suspended: false)))
        }
    }

    @Test func domainsMustBeNewToTheStoreAndRemovedOnesMustBeThere() throws {
        var saga = try readyStore()
        #expect(
            throws: ProvisioningError.validation([
                FieldError(field: "domain", message: "shop.example.com is already a domain of this store")
            ])
        ) { try saga.send(change(.addDomain, StoreChange(addDomain: "shop.example.com"))) }
        #expect(throws: ProvisioningError.domainNotOnStore(Fixtures.id, "www.example.com")) {
            try saga.send(change(.removeDomain, StoreChange(removeDomain: "www.example.com")))
        }
    }

    @Test func theChangeIsValidatedFieldByField() {
        #expect(
            throws: ProvisioningError.validation([
                FieldError(field: "plan", message: "must be one of small, medium, large"),
                FieldError(field: "wordpressVersion", message: "must be a version such as 7.1 or 7.1.0"),
                FieldError(field: "plugins[0].slug", message: "must be a wordpress.org plugin slug such as woocommerce-payments"),
                FieldError(field: "plugins[1].version", message: "must be a version such as 5.3.2"),
                FieldError(field: "plugins[2].slug", message: "akismet is listed twice"),
                FieldError(field: "plugins[3].slug", message: "WooCommerce is managed by woocommerceVersion"),
            ])
        ) {
            try StoreChange.validate(
                StoreChangeInput(
                    plan: "huge", wordpressVersion: "latest",
                    plugins: [("Bad Slug", nil), ("akismet", "five"), ("akismet", nil), ("woocommerce", nil)]))
        }
        #expect(
            throws: ProvisioningError.validation([
                FieldError(
                    field: "body", message: "must set at least one of name, plan, wordpressVersion, woocommerceVersion, plugins")
            ])
        ) { try StoreChange.validate(StoreChangeInput()) }
    }

    @Test func versionsCompareNumerically() throws {
        #expect(try #require(DottedVersion("7.10.0")) > #require(DottedVersion("7.9.9")))
        #expect(try #require(DottedVersion("7.1")) == #require(DottedVersion("7.1")))
        #expect(try #require(DottedVersion("7.1")) < #require(DottedVersion("7.1.1")))
        for bad in ["7", "7..1", "v7.1", "7.1.0-beta", "1.2.3.4.5", "1234567.1"] { #expect(DottedVersion(bad) == nil, "\(bad)") }
    }
}
