import Foundation

/// A store as the API and the dashboard show it: the row of the store list.
public struct StoreView: Sendable, Hashable, Codable {
    public typealias Step = StepView<SagaStep>

    public let id: StoreID
    public let name: String
    public let domain: String
    public let plan: Plan
    public let adminEmail: String
    public let status: StoreStatus
    public let currentStep: SagaStep?
    public let steps: [Step]
    public let urls: StoreURLs?
    public let lastError: String?
    /// The step that failed for good (its own status may since be `compensated`).
    public let failedStep: SagaStep?
    /// Compensation could not clean up (an operator must look at `leftovers`), an operation's
    /// rollback failed, or the store has waited for an unreachable cluster past its step's deadline.
    public let needsAttention: Bool
    /// The store's current step cannot reach the cluster and waits for it (nil: it is not).
    public let waitingForCluster: ClusterWait?
    public let leftovers: [SagaStep]
    public let requestedBy: String
    public let createdAt: Date
    public let updatedAt: Date
    public let readyAt: Date?
    /// The config asked for and the one the cluster runs (nil before the store was first ready).
    public let desired: StoreConfig
    public let applied: StoreConfig?
    /// The store's extra host names (as asked for).
    public let extraDomains: [String]
    /// Extra host names whose claim the store holds: `extraDomains`, plus one being removed,
    /// or one whose addition could not be rolled back (no other store may take them).
    public let claimedDomains: [String]
    /// The helm release revision now in the cluster, as far as the events know.
    public let helmRevision: Int?
    /// While true, DELETE is refused.
    public let deletionProtection: Bool
    /// The day-two operation under way.
    public let operation: OperationView?
    /// Finished operations, newest last.
    public let operations: [OperationRecord]
    /// The store's backups, oldest first (completed ones, those being written or deleted, and
    /// the last few that failed).
    public let backups: [BackupRecord]
    /// What the order canary said last (nil: never checked).
    public let health: StoreHealth?
    /// The last drift found between the cluster and the log, and what became of it.
    public let drift: StoreDrift?
    /// The store stream's version.
    public let version: Int64

    public init(_ state: StoreState) {
        id = state.id
        let config = state.applied ?? state.desired
        name = config.name
        domain = state.spec.domain
        plan = config.plan
        adminEmail = state.spec.adminEmail
        status = state.status
        currentStep = state.status == .ready || state.status == .deleted ? nil : state.currentStep
        steps = SagaStep.allCases.map { step in
            let s = state[step]
            return Step(step, s, nextAttemptAt: s.nextAttemptAt ?? s.undoNextAttemptAt)
        }
        urls = state.status.hasShop ? state.urls : nil
        lastError = state.failureReason ?? SagaStep.allCases.compactMap { state[$0].lastError }.first
        failedStep = state.failedStep
        waitingForCluster = state.waitingForCluster
        needsAttention = state.needsAttention || waitingForCluster?.overdue == true
        leftovers = state.leftovers
        requestedBy = state.requestedBy
        createdAt = state.createdAt
        updatedAt = state.updatedAt
        readyAt = state.readyAt
        desired = state.desired
        applied = state.applied
        extraDomains = state.desired.extraDomains
        claimedDomains = state.claimedDomains
        helmRevision = state.helmRevision
        deletionProtection = state.deletionProtection
        operation = state.operation.map(OperationView.init)
        operations = state.operations
        backups = state.backups
        health = state.health
        drift = state.drift
        version = state.version
    }
}

/// The operation under way, as the API shows it.
public struct OperationView: Sendable, Hashable, Codable {
    public typealias Step = StepView<OperationStep>

    public let id: String
    public let kind: OperationKind
    public let change: StoreChange
    /// The config before the operation, and the one it brings the store to.
    public let from: StoreConfig
    public let to: StoreConfig
    /// `applying`, or `rolling-back` after a step failed for good.
    public let phase: String
    public let currentStep: OperationStep?
    /// The steps of the operation, then those of its rollback once it started.
    public let steps: [Step]
    /// Why it is rolling back.
    public let rollbackReason: String?
    public let requestedBy: String
    public let requestedAt: Date
    /// A backup, restore or backup deletion: the backup it works on (and a restore's safety
    /// backup, a final backup's `deleteAfter`).
    public let backup: BackupOrder?

    public init(_ operation: StoreOperation) {
        backup = operation.backup
        id = operation.id
        kind = operation.kind
        change = operation.change
        from = operation.from
        to = operation.to
        phase = operation.rollback == nil ? "applying" : "rolling-back"
        currentStep = operation.currentStep
        let names = operation.kind.steps + (operation.rollback == nil ? [] : operation.compensation)
        steps = names.map { Step($0, operation[$0], nextAttemptAt: operation[$0].nextAttemptAt) }
        rollbackReason = operation.rollback?.reason
        requestedBy = operation.requestedBy
        requestedAt = operation.requestedAt
    }
}

/// One step as the API shows it (a provisioning step, or a step of an operation).
public struct StepView<Name: Sendable & Hashable & Codable>: Sendable, Hashable, Codable {
    public let name: Name
    public let status: StepState.Status
    public let attempts: Int
    public let startedAt: Date?
    public let finishedAt: Date?
    public let durationMs: Int?
    public let lastError: String?
    public let nextAttemptAt: Date?

    init(_ name: Name, _ state: StepState, nextAttemptAt: Date?) {
        self.name = name
        status = state.status
        attempts = state.attempts
        startedAt = state.startedAt
        finishedAt = state.finishedAt
        durationMs = state.durationMs
        lastError = state.lastError
        self.nextAttemptAt = nextAttemptAt
    }
}
