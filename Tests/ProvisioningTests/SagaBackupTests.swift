import Foundation
import Testing

@testable import Provisioning

/// A store that was provisioned (revision 1 of its release) and is ready.
private func readyStore(_ cluster: ScriptedCluster = ScriptedCluster()) throws -> SagaDriver {
    var saga = SagaDriver.created(cluster: cluster)
    saga.run()
    try #require(saga.state?.status == .ready)
    return saga
}

private func backup(_ id: String = "bk-1", reason: BackupReason = .manual, op: String = "op-b") -> StoreCommand {
    .backup(BackupOrder(backup: id, reason: reason), operation: op, by: "alice")
}

private func restore(_ id: String = "bk-1", safety: String = "bk-safety", op: String = "op-r") -> StoreCommand {
    .restore(BackupOrder(backup: id, safety: safety), operation: op, by: "alice")
}

/// A ready store with one completed backup `bk-1`.
private func backedUpStore(_ cluster: ScriptedCluster = ScriptedCluster()) throws -> SagaDriver {
    var saga = try readyStore(cluster)
    try saga.send(backup())
    saga.run()
    try #require(saga.state?.completedBackup("bk-1") != nil)
    return saga
}

@Suite("Backups and restores as sagas")
struct SagaBackupTests {
    @Test func aBackupRunsTheBackupJobAndRecordsItsManifest() throws {
        var saga = try readyStore()
        try saga.send(backup())
        #expect(saga.state?.status == .backingUp)
        #expect(saga.state?.backups.map(\.status) == [.running])
        let run = saga.run()

        #expect(
            lines(run) == [
                "change-step-started snapshot #1", "change-step-succeeded snapshot #1",
                "backup-completed bk-1 (manual) 3000000 bytes",
            ])
        let state = try #require(saga.state)
        #expect(state.status == .ready)
        #expect(state.operation == nil)
        #expect(state.operations.map(\.kind) == [.backup])
        let record = try #require(state.backups.first)
        #expect(record.status == .completed)
        #expect(record.manifest?.files.map(\.name) == ["database.sql.gz", "wp-content.tar.gz"])
        #expect(StoreView(state).backups.first?.bytes == 3_000_000)
        // The manifest is on the backup-completed event, not repeated in the step's details.
        let step = run.compactMap { if case .changeStepSucceeded(let e) = $0.event { e } else { nil } }.first
        #expect(step?.details["manifest"] == nil)
    }

    @Test func aBackupJobThatReportsNoManifestFailsAndItsLeftoversAreRemoved() throws {
        var saga = try readyStore(ScriptedCluster().changing(.snapshot, .succeed(details: ["manifest": "{}"])))
        try saga.send(backup())
        let run = saga.run()

        #expect(
            lines(run) == [
                "change-step-started snapshot #1",
                "change-step-failed snapshot #1, final: the backup Job reported no valid manifest",
                "backup-failed bk-1: the backup Job reported no valid manifest",
                "rollback-started to 1 after snapshot: snapshot failed: the backup Job reported no valid manifest",
                "change-step-started discard #1", "change-step-succeeded discard #1",
                "change-failed backup rolled back at revision -: snapshot failed: the backup Job reported no valid manifest",
            ])
        let state = try #require(saga.state)
        #expect(state.status == .ready)
        #expect(state.backups.map(\.status) == [.failed])
        #expect(state.backups.first?.error == "the backup Job reported no valid manifest")
        #expect(state.needsAttention == false)
    }

    @Test func oneOperationAtATime() throws {
        var saga = try backedUpStore(ScriptedCluster().changing(.snapshot, .succeed(), .crash))
        try saga.send(backup("bk-2", op: "op-b2"))
        saga.run()
        #expect(saga.state?.status == .backingUp)
        #expect(throws: ProvisioningError.operationRunning(saga.id, operation: "op-b2", kind: .backup)) {
            try saga.send(restore())
        }
        #expect(throws: ProvisioningError.operationRunning(saga.id, operation: "op-b2", kind: .backup)) {
            try saga.send(.change(.update, StoreChange(plan: .medium), operation: "op-2", by: "bob"))
        }
    }

    @Test func aRestoreTakesASafetyBackupQuiescesRestoresAndBringsTheShopBack() throws {
        var saga = try backedUpStore()
        try saga.send(restore())
        #expect(saga.state?.status == .restoring)
        let run = saga.run()

        #expect(
            lines(run) == [
                "change-step-started snapshot #1", "change-step-succeeded snapshot #1",
                "backup-completed bk-safety (safety) 3000000 bytes",
                "change-step-started quiesce #1", "change-step-succeeded quiesce #1 revision 2",
                "change-step-started restore #1", "change-step-succeeded restore #1",
                "change-step-started apply #1", "change-step-succeeded apply #1 revision 3",
                "change-step-started workloads #1", "change-step-succeeded workloads #1",
                "change-step-started setup #1", "change-step-succeeded setup #1",
                "restored restore at revision 3 from bk-1",
            ])
        let state = try #require(saga.state)
        #expect(state.status == .ready)
        #expect(state.backups.map(\.id) == ["bk-1", "bk-safety"])
        #expect(state.backups.map(\.reason) == [.manual, .safety])
        #expect(state.completedBackup("bk-1")?.restoredAt != nil)
        #expect(state.lastGoodRevision == 3)
    }

    @Test func aRestoreThatFailsPutsTheSafetyBackupBackAndReturnsTheRelease() throws {
        var saga = try backedUpStore(ScriptedCluster().changing(.restore, .permanent("checksum mismatch of database.sql.gz")))
        try saga.send(restore())
        let run = saga.run()

        #expect(
            lines(run).suffix(9).prefix(8) == [
                "change-step-failed restore #1, final: checksum mismatch of database.sql.gz",
                "rollback-started to 1 after restore: restore failed: checksum mismatch of database.sql.gz",
                "change-step-started restoreSnapshot #1", "change-step-succeeded restoreSnapshot #1 revision 3",
                "change-step-started rollback #1", "change-step-succeeded rollback #1 revision 4",
                "change-step-started recover #1", "change-step-succeeded recover #1",
            ])
        #expect(
            lines(run).last == "change-failed restore rolled back at revision 4: restore failed: checksum mismatch of database.sql.gz")
        let state = try #require(saga.state)
        #expect(state.status == .ready)
        #expect(state.operations.last?.outcome == .rolledBack)
        #expect(state.needsAttention == false)
        // The safety backup stays: it holds what the shop had before the attempt.
        #expect(state.completedBackup("bk-safety") != nil)
        #expect(saga.cluster.changeCalls.suffix(3) == ["change restoreSnapshot #1", "change rollback #1", "change recover #1"])
    }

    @Test func aRestoreWhoseSafetyBackupFailsTouchesNothingElse() throws {
        // The first backup Job (bk-1) works; the next one, the restore's safety backup, fails.
        var saga = try backedUpStore(ScriptedCluster().changing(.snapshot, .succeed(), .permanent("disk full")))
        try saga.send(restore())
        let run = saga.run()

        #expect(!saga.cluster.changeCalls.contains { $0.contains("quiesce") || $0.contains("change restore") })
        #expect(lines(run).contains("change-step-started discard #1"))
        let state = try #require(saga.state)
        #expect(state.status == .ready)
        #expect(state.backups.first { $0.id == "bk-safety" }?.status == .failed)
        #expect(state.operations.last?.outcome == .rolledBack)
    }

    @Test func aRestoreThatCrashesMidwayResumesTheSameStep() throws {
        var saga = try backedUpStore(ScriptedCluster().changing(.restore, .crash))
        try saga.send(restore())
        saga.run()
        #expect(saga.state?.status == .restoring)
        #expect(saga.state?.operation?.currentStep == .restore)
        // A new process picks the operation up from the log and runs the same attempt again.
        let run = saga.run()
        #expect(lines(run).first == "change-step-started restore #1")
        #expect(lines(run).last == "restored restore at revision 3 from bk-1")
    }

    @Test func onlyACompletedBackupOfTheStoreCanBeRestored() throws {
        var saga = try readyStore()
        #expect(throws: ProvisioningError.backupNotFound(saga.id, "bk-none")) { try saga.send(restore("bk-none")) }
        saga = try readyStore(ScriptedCluster().changing(.snapshot, .crash))
        try saga.send(backup())
        saga.run()
        #expect(throws: ProvisioningError.self) { try saga.send(restore()) }
    }

    @Test func deletingABackupRunsTheDeleteJobThenRemovesItFromTheList() throws {
        var saga = try backedUpStore()
        try saga.send(.deleteBackup(BackupOrder(backup: "bk-1", expired: true), operation: "op-d", by: "retention"))
        #expect(saga.state?.backups.first?.status == .deleting)
        let run = saga.run()
        #expect(
            lines(run) == [
                "change-step-started discard #1", "change-step-succeeded discard #1",
                "backup-expired bk-1: expired by the retention",
            ])
        #expect(saga.state?.backups == [])
        #expect(saga.state?.status == .ready)
    }

    @Test func aBackupDeletionThatFailsKeepsTheBackup() throws {
        var saga = try backedUpStore(ScriptedCluster().changing(.discard, .permanent("AccessDenied")))
        try saga.send(.deleteBackup(BackupOrder(backup: "bk-1"), operation: "op-d", by: "alice"))
        let run = saga.run()
        #expect(lines(run).last == "change-failed delete-backup rolled back at revision 1: discard failed: AccessDenied")
        #expect(saga.state?.backups.map(\.status) == [.completed])
    }

    @Test func deleteTakesAFinalBackupThenDeletesTheStore() throws {
        var saga = try readyStore()
        let keep = saga.now.addingTimeInterval(30 * 86_400)
        let order = BackupOrder(backup: "bk-final", reason: .final, deleteAfter: true, keepUntil: keep)
        try saga.send(.deleteAfterBackup(order, operation: "op-f", by: "alice"))
        #expect(saga.state?.status == .backingUp)
        // Asking again while it runs is the same request.
        #expect(try saga.send(.deleteAfterBackup(order, operation: "op-g", by: "alice")) == [])
        let run = saga.run()

        #expect(lines(run).prefix(4) == [
            "change-step-started snapshot #1", "change-step-succeeded snapshot #1",
            "backup-completed bk-final (final) 3000000 bytes", "deletion-requested by alice",
        ])
        let state = try #require(saga.state)
        #expect(state.status == .deleted)
        #expect(state.completedBackup("bk-final")?.keepUntil == keep, "the final backup outlives the store")
    }

    @Test func aFailedFinalBackupLeavesTheStoreInPlace() throws {
        var saga = try readyStore(ScriptedCluster().changing(.snapshot, .permanent("bucket not found")))
        let order = BackupOrder(backup: "bk-final", reason: .final, deleteAfter: true, keepUntil: saga.now)
        try saga.send(.deleteAfterBackup(order, operation: "op-f", by: "alice"))
        saga.run()
        let state = try #require(saga.state)
        #expect(state.status == .ready, "no deletion without its final backup")
        #expect(state.deletionRequestedBy == nil)
        #expect(state.operations.last?.reason?.contains("bucket not found") == true)
    }

    @Test func deleteWithoutAShopSkipsTheFinalBackup() throws {
        var saga = SagaDriver.created(cluster: ScriptedCluster().running(.mysql, .crash))
        saga.run()  // still provisioning
        let order = BackupOrder(backup: "bk-final", reason: .final, deleteAfter: true, keepUntil: saga.now)
        let events = try saga.send(.deleteAfterBackup(order, operation: "op-f", by: "alice"))
        #expect(events.map(\.type) == ["store.deletion-requested.v1"])
    }

    @Test func deletionProtectionAlsoBlocksADeleteWithAFinalBackup() throws {
        var saga = try readyStore()
        try saga.send(.protect(true, then: nil, by: "alice"))
        let order = BackupOrder(backup: "bk-final", reason: .final, deleteAfter: true, keepUntil: saga.now)
        #expect(throws: ProvisioningError.self) { try saga.send(.deleteAfterBackup(order, operation: "op-f", by: "bob")) }
        #expect(saga.state?.backups == [])
    }

    @Test func aDeletedStoresBackupIsRemovedFromTheListWithoutAJob() throws {
        var saga = try backedUpStore()
        try saga.send(.delete(by: "alice"))
        saga.run()
        try #require(saga.state?.status == .deleted)
        let events = try saga.send(.deleteBackup(BackupOrder(backup: "bk-1", expired: true), operation: "op-x", by: "retention"))
        #expect(events.map(\.type) == ["store.backup-expired.v1"])
        #expect(saga.state?.backups == [])
        #expect(saga.state?.status == .deleted)
    }

    @Test func theViewShowsARestoresCompensationSteps() throws {
        var saga = try backedUpStore(ScriptedCluster().changing(.restore, .permanent("boom")).changing(.restoreSnapshot, .crash))
        try saga.send(restore())
        saga.run()
        let state = try #require(saga.state)
        let operation = try #require(StoreView(state).operation)
        #expect(operation.phase == "rolling-back")
        #expect(operation.steps.map(\.name).suffix(3) == [.restoreSnapshot, .rollback, .recover])
    }

    @Test func aSuspendedStoreIsNotBackedUpItsDatabaseIsStopped() throws {
        var saga = try readyStore()
        try saga.send(.change(.suspend, StoreChange(suspended: true), operation: "op-s", by: "alice"))
        saga.run()
        try #require(saga.state?.status == .suspended)
        #expect(throws: ProvisioningError.self) { try saga.send(backup()) }
        let order = BackupOrder(backup: "bk-final", reason: .final, deleteAfter: true, keepUntil: saga.now)
        #expect(throws: ProvisioningError.self) { try saga.send(.deleteAfterBackup(order, operation: "op-f", by: "alice")) }
        // Without the final backup, as asked.
        #expect(try saga.send(.delete(by: "alice")).map(\.type) == ["store.deletion-requested.v1"])
    }
}
