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

        public init(
            operation: String, kind: OperationKind, change: StoreChange, from: StoreConfig, to: StoreConfig, by: String
        ) {
            self.operation = operation
            self.kind = kind
            self.change = change
            self.from = from
            self.to = to
            self.by = by
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
