import Foundation

/// A store's state, folded from its events (`evolve`). Pure: no I/O, no clock.
public struct StoreState: Sendable, Hashable, Codable {
    public struct Undo: Sendable, Hashable, Codable {
        public let cause: StoreEvent.UndoCause
        public let reason: String
        public let failedStep: SagaStep?
    }

    public let id: StoreID
    /// The request (its admin e-mail as read: opened, in clear from an old event, or erased).
    public internal(set) var spec: StoreSpec
    /// Whether the log holds the store's personal data sealed with its key (nil or false: the
    /// request is an old `store.requested.v1` with the e-mail in clear).
    public var personalDataSealed: Bool?
    /// When the store's personal data was forgotten (its key destroyed).
    public var forgottenAt: Date?
    public let requestedBy: String
    public let createdAt: Date
    public var updatedAt: Date
    public var status: StoreStatus = .provisioning
    public var steps: [SagaStep: StepState] = Dictionary(uniqueKeysWithValues: SagaStep.allCases.map { ($0, StepState()) })
    /// The compensation or teardown under way, if any.
    public var undo: Undo?
    public var deletionRequestedBy: String?
    /// Whether the deletion arrived while the store was still provisioning.
    public var deletionCancelsProvisioning = false
    public var needsAttention = false
    public var leftovers: [SagaStep] = []
    public var failureReason: String?
    public var failedStep: SagaStep?
    public var urls: StoreURLs?
    /// When the current provisioning run began (creation or the last retry).
    public var runStartedAt: Date
    public var readyAt: Date?
    /// The config asked for (the last operation's target, or the request's).
    public var desired: StoreConfig
    /// The config the cluster runs (nil until the store is first ready).
    public var applied: StoreConfig?
    /// The release revision now in the cluster, as far as the events know.
    public var helmRevision: Int?
    /// The revision of the last config that reached ready: what a failed operation rolls back to.
    public var lastGoodRevision: Int?
    /// The day-two operation under way, if any.
    public var operation: StoreOperation?
    /// Finished operations, newest last (the last `operationHistoryLimit`).
    public var operations: [OperationRecord] = []
    /// Extra host names whose claim the store holds (released when it is deleted).
    public var claimedDomains: [String] = []
    /// While on, the store cannot be deleted.
    public var deletionProtection = false
    /// The store's backups: completed, running, failed (the last few), oldest first.
    public var backups: [BackupRecord] = []
    /// What the order canary said last (nil: never checked).
    public var health: StoreHealth?
    /// The last drift found between the cluster and the log (nil: none found).
    public var drift: StoreDrift?
    /// The stream version this state reflects.
    public var version: Int64 = 0

    public init(requested: StoreEvent.Requested, at: Date) {
        self.id = requested.storeId
        self.spec = requested.spec
        self.personalDataSealed = requested.adminEmail.isSealed
        self.requestedBy = requested.requestedBy
        self.createdAt = at
        self.updatedAt = at
        self.runStartedAt = at
        self.desired = StoreConfig(spec: requested.spec)
    }

    /// How many finished operations a store keeps in its state (all are in its stream).
    public static let operationHistoryLimit = 20

    public subscript(step: SagaStep) -> StepState {
        get { steps[step]! }
        set { steps[step] = newValue }
    }

    /// The step the store is on: running, waiting to retry, or failed at.
    public var currentStep: SagaStep? {
        if let undo, status == .compensating || status == .deleting {
            return undoQueue.first ?? undo.failedStep
        }
        if status == .failed { return failedStep }
        if status == .ready || status == .suspended || status.isOperating { return nil }
        return SagaStep.allCases.first { self[$0].status != .succeeded }
    }

    /// The wait for an unreachable cluster of the step the store is on (provisioning, undoing
    /// or an operation's), nil when the store is not waiting for the cluster.
    public var waitingForCluster: ClusterWait? {
        if status.isOperating {
            guard let operation, let step = operation.currentStep else { return nil }
            return operation[step].waitingForCluster
        }
        guard status == .provisioning || status == .compensating || status == .deleting, let step = currentStep else {
            return nil
        }
        return self[step].waitingForCluster
    }

    /// Whether a step's effects are in the cluster now.
    public func isPresent(_ step: SagaStep) -> Bool {
        let state = self[step]
        guard state.status == .succeeded else { return false }
        return step.hasUndo || isPresent(step.undoneBy)
    }

    /// Steps still to undo, in the order to undo them: touched steps that have an undo of
    /// their own, newest first (skipping those whose undo gave up this round).
    public var undoQueue: [SagaStep] {
        touchedUndoSteps.filter { !self[$0].undoGaveUp }
    }

    /// Touched steps with an undo of their own that are not undone yet, newest first.
    public var touchedUndoSteps: [SagaStep] {
        SagaStep.allCases.reversed().filter { step in
            guard step.hasUndo else { return false }
            let status = self[step].status
            return status == .running || status == .succeeded || status == .failed
        }
    }

    /// Folds one more event in. `at` is when it was recorded.
    public static func evolve(_ state: StoreState?, _ event: StoreEvent, at: Date) -> StoreState? {
        if case .requested(let requested) = event {
            return state ?? StoreState(requested: requested, at: at)
        }
        guard var state else { return nil }
        state.evolve(event, at: at)
        return state
    }

    /// Folds one more event into an existing state, in place (a projection folding thousands
    /// of events does not copy the state for each). A request for a store that exists changes
    /// nothing.
    mutating func evolve(_ event: StoreEvent, at: Date) {
        if case .requested = event { return }
        apply(event, at: at)
        updatedAt = at
    }

    mutating func apply(_ event: StoreEvent, at: Date) {
        switch event {
        case .requested, .credentialsViewed:
            break
        case .healthChecked(let checked):
            health = StoreHealth(checked, at: at)
        case .driftDetected(let detected):
            drift = StoreDrift(detected, at: at)
        case .deletionProtectionChanged(let protection):
            deletionProtection = protection.enabled
        case .forgotten:
            // The key is gone with this event; what was read before it must not outlive it.
            spec = StoreSpec(name: spec.name, domain: spec.domain, adminEmail: PersonalText.erasedMarker, plan: spec.plan)
            forgottenAt = at
        case .changeRequested, .changeStepStarted, .changeStepSucceeded, .changeStepFailed, .rollbackStarted, .changed,
            .suspended, .resumed, .changeFailed, .backupCompleted, .backupFailed, .restored, .backupDeleted,
            .backupExpired:
            applyOperation(event, at: at)
            settleDrift(after: event, at: at)
        case .stepStarted(let started):
            self[started.step].start(attempt: started.attempt, at: at, deadline: started.deadline)
        case .stepSucceeded(let succeeded):
            self[succeeded.step].succeed(at: at, durationMs: succeeded.durationMs, details: succeeded.details)
            if let revision = succeeded.details["revision"].flatMap(Int.init) { helmRevision = revision }
        case .stepFailed(let failed):
            self[failed.step].fail(
                at: at, error: failed.error, retryable: failed.retryable, nextAttemptAt: failed.nextAttemptAt,
                waiting: failed.waitingForCluster)
        case .ready(let ready):
            status = .ready
            urls = ready.urls
            readyAt = at
            applied = desired
            lastGoodRevision = helmRevision
        case .compensationStarted(let started):
            undo = Undo(cause: started.cause, reason: started.reason, failedStep: started.failedStep)
            status = started.cause == .failure ? .compensating : .deleting
            needsAttention = false
            leftovers = []
            if started.cause == .failure {
                failureReason = started.reason
                failedStep = started.failedStep
            }
            for step in SagaStep.allCases {
                self[step].undoAttempts = 0
                self[step].undoNextAttemptAt = nil
                self[step].undoGaveUp = false
                self[step].undoUnreachableAttempts = nil
                self[step].waitingForCluster = nil
            }
        case .stepCompensated(let compensated):
            // Deleting the namespace removes everything in it, the release included.
            for step in SagaStep.allCases where step.undoneBy == compensated.step || compensated.step == .namespace {
                if self[step].status != .pending { self[step].status = .compensated }
                self[step].undoGaveUp = false
                self[step].waitingForCluster = nil
            }
            self[compensated.step].undoNextAttemptAt = nil
        case .compensationStepFailed(let failed):
            self[failed.step].undoAttempts = failed.attempt
            self[failed.step].undoNextAttemptAt = failed.nextAttemptAt
            self[failed.step].lastError = failed.error
            self[failed.step].waitingForCluster = failed.waitingForCluster
            if failed.waitingForCluster != nil {
                self[failed.step].undoUnreachableAttempts = (self[failed.step].undoUnreachableAttempts ?? 0) + 1
            }
            if !failed.retryable { self[failed.step].undoGaveUp = true }
        case .compensationFailed(let failed):
            status = .failed
            undo = nil
            needsAttention = true
            leftovers = failed.leftovers
            failureReason = "could not undo \(failed.step.rawValue): \(failed.error)"
            self[failed.step].lastError = failed.error
        case .failed(let failed):
            status = .failed
            undo = nil
            failureReason = failed.reason
            failedStep = failed.failedStep
        case .deletionRequested(let by):
            deletionRequestedBy = by.by
            deletionCancelsProvisioning = status == .provisioning
            undo = nil
            status = .deleting
            cancelOperation(at: at)
        case .deleted:
            status = .deleted
            undo = nil
            needsAttention = false
            leftovers = []
        case .retryRequested:
            status = .provisioning
            needsAttention = false
            leftovers = []
            failureReason = nil
            failedStep = nil
            runStartedAt = at
            readyAt = nil
            for step in SagaStep.allCases where !isPresent(step) {
                self[step] = StepState()
            }
        }
    }

    /// Folds a whole stream.
    public static func fold(_ events: [(StoreEvent, Date)]) -> StoreState? {
        events.reduce(nil) { evolve($0, $1.0, at: $1.1) }
    }
}
