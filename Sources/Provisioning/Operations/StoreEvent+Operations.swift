import Foundation

extension StoreEvent {
    /// A day-two operation was asked for; `to` is the config it brings the store to.
    public struct ChangeRequested: Sendable, Hashable, Codable {
        public let operation: String
        public let kind: OperationKind
        public let change: StoreChange
        public let from: StoreConfig
        public let to: StoreConfig
        public let by: String
        /// A backup, restore or backup deletion: the backup it works on.
        public let backup: BackupOrder?

        public init(
            operation: String, kind: OperationKind, change: StoreChange, from: StoreConfig, to: StoreConfig, by: String,
            backup: BackupOrder? = nil
        ) {
            self.operation = operation
            self.kind = kind
            self.change = change
            self.from = from
            self.to = to
            self.by = by
            self.backup = backup
        }
    }

    public struct ChangeStepStarted: Sendable, Hashable, Codable {
        public let operation: String
        public let step: OperationStep
        public let attempt: Int
        public let deadline: Date
    }

    public struct ChangeStepSucceeded: Sendable, Hashable, Codable {
        public let operation: String
        public let step: OperationStep
        public let attempt: Int
        public let durationMs: Int
        public let details: [String: String]
    }

    public struct ChangeStepFailed: Sendable, Hashable, Codable {
        public let operation: String
        public let step: OperationStep
        public let attempt: Int
        public let error: String
        public let retryable: Bool
        public let nextAttemptAt: Date?
        /// Set when the attempt could not reach the cluster: the step waits for it (absent
        /// before issue 15, and whenever the cluster answered).
        public var waitingForCluster: ClusterWait? = nil
    }

    /// A step failed for good: the release goes back to its last good revision.
    public struct RollbackStarted: Sendable, Hashable, Codable {
        public let operation: String
        public let reason: String
        public let failedStep: OperationStep?
        public let toRevision: Int?
    }

    /// The operation is done: the cluster runs `applied` at `revision`. Recorded as
    /// `store.changed.v1`, or `store.suspended.v1` / `store.resumed.v1` for those operations.
    public struct ChangeCompleted: Sendable, Hashable, Codable {
        public let operation: String
        public let kind: OperationKind
        public let applied: StoreConfig
        public let revision: Int?
        public let durationMs: Int
        /// Host names whose claim this releases (a removed domain).
        public let releasedDomains: [String]
        /// `store.restored.v1`: the backup now in the store.
        public let backup: String?

        public init(
            operation: String, kind: OperationKind, applied: StoreConfig, revision: Int?, durationMs: Int,
            releasedDomains: [String], backup: String? = nil
        ) {
            self.operation = operation
            self.kind = kind
            self.applied = applied
            self.revision = revision
            self.durationMs = durationMs
            self.releasedDomains = releasedDomains
            self.backup = backup
        }
    }

    /// The operation failed; `rolledBack` says whether the rollback brought the previous
    /// config back (false: `leftovers` says what an operator must look at).
    public struct ChangeFailed: Sendable, Hashable, Codable {
        public let operation: String
        public let kind: OperationKind
        public let reason: String
        public let failedStep: OperationStep?
        public let rolledBack: Bool
        public let revision: Int?
        public let leftovers: String?
        /// Host names whose claim this releases (a domain whose addition was rolled back).
        public let releasedDomains: [String]
    }
}

extension StoreEvent {
    /// A backup is complete: its files and manifest are in the target. Ends a backup
    /// operation; within a restore, records its safety backup.
    public struct BackupCompleted: Sendable, Hashable, Codable {
        public let operation: String
        public let backup: String
        public let reason: BackupReason
        public let manifest: BackupManifest
        public let durationMs: Int
        public let keepUntil: Date?
    }

    /// A backup's Job failed for good; what it half-wrote is removed next.
    public struct BackupFailed: Sendable, Hashable, Codable {
        public let operation: String
        public let backup: String
        public let error: String
    }

    /// A backup's objects are removed: `store.backup-deleted.v1` (asked for) or
    /// `store.backup-expired.v1` (by the retention).
    public struct BackupRemoved: Sendable, Hashable, Codable {
        public let operation: String
        public let backup: String
        public let reason: String
        public let by: String
    }
}
