import Foundation
import Testing

@testable import Provisioning

private let day = 86_400.0
private let t0 = Date(timeIntervalSince1970: 1_800_000_000)  // 2027-01-15T08:00:00Z

private func record(_ id: String, _ reason: BackupReason, daysAgo: Double, status: BackupRecord.Status = .completed, keepUntil: Date? = nil)
    -> BackupRecord
{
    var record = BackupRecord(
        id: id, reason: reason, operation: "op-\(id)", requestedBy: "t", requestedAt: t0.addingTimeInterval(-daysAgo * day),
        keepUntil: keepUntil)
    record.status = status
    return record
}

private func store(_ backups: [BackupRecord], status: StoreStatus = .ready, plan: Plan = .small, running: Bool = false, readyDaysAgo: Double = 100)
    -> BackupPlanner.Store
{
    var state = StoreState(
        requested: StoreEvent.Requested(
            storeId: StoreID(), spec: StoreSpec(name: "S", domain: "s.example.com", adminEmail: "a@example.com", plan: plan),
            requestedBy: "t"), at: t0.addingTimeInterval(-readyDaysAgo * day))
    state.status = status
    state.readyAt = t0.addingTimeInterval(-readyDaysAgo * day)
    state.backups = backups
    if running {
        state.operation = StoreOperation(
            StoreEvent.ChangeRequested(
                operation: "op-x", kind: .update, change: StoreChange(plan: .medium), from: state.desired, to: state.desired,
                by: "t"), at: t0)
    }
    return BackupPlanner.Store(state)
}

@Suite("Backup schedule and retention")
struct BackupPlannerTests {
    let settings = BackupSettings()  // small: daily, keep 7 for 7 days

    @Test func aStoreWhoseLastScheduledBackupIsADayOldIsDueForTheCurrentSlot() {
        let due = BackupPlanner.due(store([record("a", .scheduled, daysAgo: 1.2)]), now: t0, settings: settings)
        #expect(due == .backup(slot: Date(timeIntervalSince1970: (t0.timeIntervalSince1970 / day).rounded(.down) * day)))
        #expect(BackupPlanner.due(store([record("a", .scheduled, daysAgo: 0.1)]), now: t0, settings: settings) == nil)
    }

    @Test func nothingIsScheduledWhileAnOperationRunsOrForAStoreWithoutAShop() {
        #expect(BackupPlanner.due(store([], running: true), now: t0, settings: settings) == nil)
        #expect(BackupPlanner.due(store([], status: .provisioning), now: t0, settings: settings) == nil)
        #expect(BackupPlanner.due(store([], status: .suspended), now: t0, settings: settings) == nil, "its database is stopped")
    }

    @Test func aFailedScheduledBackupDoesNotCountAsTaken() {
        let due = BackupPlanner.due(store([record("a", .scheduled, daysAgo: 0.1, status: .failed)]), now: t0, settings: settings)
        #expect(due != nil)
    }

    @Test func aStoreReadySinceTheCurrentSlotWaitsForTheNext() {
        #expect(BackupPlanner.due(store([], readyDaysAgo: 0.01), now: t0, settings: settings) == nil)
    }

    @Test func scheduledBackupsBeyondTheCountOrTheAgeExpireOldestFirst() {
        let scheduled = (0..<9).map { record("s\($0)", .scheduled, daysAgo: Double(9 - $0) * 0.5) }
        // Nine backups half a day apart: the two oldest are beyond the count of 7, and the
        // oldest (4.5 days) is not past 7 days.
        #expect(BackupPlanner.expired(store(scheduled), now: t0, settings: settings) == ["s0", "s1"])
        let old = [record("old", .scheduled, daysAgo: 8), record("new", .scheduled, daysAgo: 1)]
        #expect(BackupPlanner.expired(store(old), now: t0, settings: settings) == ["old"])
        #expect(BackupPlanner.due(store(old), now: t0, settings: settings) == .expire("old"), "expiry comes first")
    }

    @Test func manualBackupsStaySafetyAndFinalOnesGoWhenTheirTimeIsUp() {
        let backups = [
            record("manual", .manual, daysAgo: 400),
            record("safety-old", .safety, daysAgo: 8), record("safety-new", .safety, daysAgo: 2),
            record("final-due", .final, daysAgo: 31, keepUntil: t0.addingTimeInterval(-day)),
            record("final-kept", .final, daysAgo: 1, keepUntil: t0.addingTimeInterval(29 * day)),
        ]
        #expect(BackupPlanner.expired(store(backups, status: .deleted), now: t0, settings: settings) == ["safety-old", "final-due"])
    }

    @Test func aRunningOrFailedBackupNeverExpires() {
        let backups = [record("r", .scheduled, daysAgo: 30, status: .running), record("f", .scheduled, daysAgo: 30, status: .failed)]
        #expect(BackupPlanner.expired(store(backups), now: t0, settings: settings) == [])
    }

    @Test func schedulesParseFromTheCommandLine() {
        #expect(BackupSettings.Schedule.parse("6h:28:14") == .init(every: .seconds(6 * 3600), keepCount: 28, keepDays: 14))
        #expect(BackupSettings.Schedule.parse("1d:7:7d") == .init(every: .seconds(86_400), keepCount: 7, keepDays: 7))
        for bad in ["", "6h", "6h:0:14", "2m:3:3", "6x:3:3", "6h:3:0", "h:3:3"] {
            #expect(BackupSettings.Schedule.parse(bad) == nil, "\(bad)")
        }
    }

    @Test func backupIDsAreTimeOrderedAndDerivedOnesAreStable() {
        let a = String.newBackupID(at: t0)
        let b = String.newBackupID(at: t0.addingTimeInterval(1))
        #expect(a.isBackupID && b.isBackupID)
        #expect(a < b)
        #expect(String.backupID(at: t0, derivedFrom: "x") == String.backupID(at: t0, derivedFrom: "x"))
        #expect(String.backupID(at: t0, derivedFrom: "x") != String.backupID(at: t0, derivedFrom: "y"))
        #expect(!"bk-../../etc".isBackupID && !"bk-".isBackupID && !"BK-01JF0C8R5G3K2M7N9P4Q6S8T0V".isBackupID)
    }
}
