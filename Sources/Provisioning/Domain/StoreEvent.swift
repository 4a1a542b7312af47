import EventStore
import Foundation

/// Everything that happens to a store, as recorded on its stream `store-<id>`.
///
/// Each case has an explicit, versioned wire name (never the Swift type name); payloads are
/// plain data and never carry secrets.
public enum StoreEvent: Sendable, Hashable {
    case requested(Requested)
    case stepStarted(StepStarted)
    case stepSucceeded(StepSucceeded)
    case stepFailed(StepFailed)
    case ready(Ready)
    case compensationStarted(CompensationStarted)
    case stepCompensated(StepCompensated)
    case compensationStepFailed(StepFailed)
    case compensationFailed(CompensationFailed)
    case failed(Failed)
    case deletionRequested(ByActor)
    case deleted(Deleted)
    case retryRequested(RetryRequested)
    /// Someone read the store's admin credentials (the password is not in the event).
    case credentialsViewed(ByActor)
    // Day-two operations (see `StoreEvent+Operations.swift`).
    case changeRequested(ChangeRequested)
    case changeStepStarted(ChangeStepStarted)
    case changeStepSucceeded(ChangeStepSucceeded)
    case changeStepFailed(ChangeStepFailed)
    case rollbackStarted(RollbackStarted)
    case changed(ChangeCompleted)
    case suspended(ChangeCompleted)
    case resumed(ChangeCompleted)
    case changeFailed(ChangeFailed)
    /// Deletion protection turned on or off (DELETE is refused while it is on).
    case deletionProtectionChanged(DeletionProtection)
    // Backups (see `StoreEvent+Operations.swift`).
    case backupCompleted(BackupCompleted)
    case backupFailed(BackupFailed)
    case restored(ChangeCompleted)
    case backupDeleted(BackupRemoved)
    case backupExpired(BackupRemoved)
    /// The store's personal data was forgotten: its key is destroyed (the event holds none).
    case forgotten(ByActor)
    /// One run of the order canary (see `Fleet/StoreHealth.swift`).
    case healthChecked(HealthChecked)
    /// The cluster differs from the log (see `Drift/StoreDrift.swift`).
    case driftDetected(DriftDetected)

    public struct Requested: Sendable, Hashable, Codable {
        public let storeId: StoreID
        public let name: String
        public let domain: String
        /// Sealed with the store's key (`.v2`); in clear in `.v1` events; opened when read.
        public internal(set) var adminEmail: PersonalText
        public let plan: Plan
        public let requestedBy: String
        /// A clone: the backup it is made from.
        public let cloneOf: CloneSource?
        /// As the decider makes it: the e-mail in clear, to be sealed before it is written.
        public init(storeId: StoreID, spec: StoreSpec, requestedBy: String) {
            self.storeId = storeId
            self.name = spec.name
            self.domain = spec.domain
            self.adminEmail = .clear(spec.adminEmail)
            self.plan = spec.plan
            self.requestedBy = requestedBy
            self.cloneOf = spec.cloneOf
        }
        public var spec: StoreSpec {
            StoreSpec(name: name, domain: domain, adminEmail: adminEmail.text, plan: plan, cloneOf: cloneOf)
        }
    }

    public struct StepStarted: Sendable, Hashable, Codable {
        public let step: SagaStep
        public let attempt: Int
        /// When this attempt's deadline passes.
        public let deadline: Date
    }

    public struct StepSucceeded: Sendable, Hashable, Codable {
        public let step: SagaStep
        public let attempt: Int
        public let durationMs: Int
        public let details: [String: String]
    }

    public struct StepFailed: Sendable, Hashable, Codable {
        public let step: SagaStep
        public let attempt: Int
        public let error: String
        public let retryable: Bool
        public let nextAttemptAt: Date?
        /// Set when the attempt could not reach the cluster: the step waits for it (absent
        /// before issue 15, and whenever the cluster answered).
        public var waitingForCluster: ClusterWait? = nil
    }

    public struct Ready: Sendable, Hashable, Codable {
        public let urls: StoreURLs
        public let totalDurationMs: Int
    }

    /// Why a store is being undone.
    public enum UndoCause: String, Sendable, Hashable, Codable {
        /// A step failed for good.
        case failure
        /// Deleted while it was still provisioning.
        case cancelled
        /// Deleted after it was ready or failed.
        case deletion
    }

    public struct CompensationStarted: Sendable, Hashable, Codable {
        public let cause: UndoCause
        public let reason: String
        public let failedStep: SagaStep?
    }

    public struct StepCompensated: Sendable, Hashable, Codable {
        public let step: SagaStep
        public let attempt: Int
    }

    public struct CompensationFailed: Sendable, Hashable, Codable {
        public let step: SagaStep
        public let error: String
        /// What is still in the cluster: an operator must look.
        public let leftovers: [SagaStep]
    }

    public struct Failed: Sendable, Hashable, Codable {
        public let reason: String
        public let failedStep: SagaStep?
    }

    public struct DeletionProtection: Sendable, Hashable, Codable {
        public let enabled: Bool
        public let by: String

        public init(enabled: Bool, by: String) {
            self.enabled = enabled
            self.by = by
        }
    }

    public struct ByActor: Sendable, Hashable, Codable {
        public let by: String
    }

    public struct Deleted: Sendable, Hashable, Codable {
        public let domain: String
        /// The store's other host names, released with it (absent in events before day two).
        public let extraDomains: [String]?

        public init(domain: String, extraDomains: [String]? = nil) {
            self.domain = domain
            self.extraDomains = extraDomains
        }
    }

    public struct RetryRequested: Sendable, Hashable, Codable {
        public let by: String
        public let failedStep: SagaStep?
        /// The first step that will run again.
        public let fromStep: SagaStep
    }

    /// The wire names of store events as written today: the one place they are written
    /// (superseded versions are read through `StoreEventUpcasters`).
    public enum Kind: String, CaseIterable, Sendable {
        case requested = "store.requested.v2"
        case stepStarted = "store.step-started.v1"
        case stepSucceeded = "store.step-succeeded.v1"
        case stepFailed = "store.step-failed.v1"
        case ready = "store.ready.v1"
        case compensationStarted = "store.compensation-started.v1"
        case stepCompensated = "store.step-compensated.v1"
        case compensationStepFailed = "store.compensation-step-failed.v1"
        case compensationFailed = "store.compensation-failed.v1"
        case failed = "store.failed.v1"
        case deletionRequested = "store.deletion-requested.v1"
        case deleted = "store.deleted.v1"
        case retryRequested = "store.retry-requested.v1"
        case credentialsViewed = "store.credentials-viewed.v1"
        case changeRequested = "store.change-requested.v1"
        case changeStepStarted = "store.change-step-started.v1"
        case changeStepSucceeded = "store.change-step-succeeded.v1"
        case changeStepFailed = "store.change-step-failed.v1"
        case rollbackStarted = "store.rollback-started.v1"
        case changed = "store.changed.v1"
        case suspended = "store.suspended.v1"
        case resumed = "store.resumed.v1"
        case changeFailed = "store.change-failed.v1"
        case deletionProtectionChanged = "store.deletion-protection-changed.v1"
        case backupCompleted = "store.backup-completed.v1"
        case backupFailed = "store.backup-failed.v1"
        case restored = "store.restored.v1"
        case backupDeleted = "store.backup-deleted.v1"
        case backupExpired = "store.backup-expired.v1"
        case forgotten = "store.forgotten.v1"
        case healthChecked = "store.health-checked.v1"
        case driftDetected = "store.drift-detected.v1"
    }

    public var kind: Kind {
        switch self {
        case .requested: .requested
        case .stepStarted: .stepStarted
        case .stepSucceeded: .stepSucceeded
        case .stepFailed: .stepFailed
        case .ready: .ready
        case .compensationStarted: .compensationStarted
        case .stepCompensated: .stepCompensated
        case .compensationStepFailed: .compensationStepFailed
        case .compensationFailed: .compensationFailed
        case .failed: .failed
        case .deletionRequested: .deletionRequested
        case .deleted: .deleted
        case .retryRequested: .retryRequested
        case .credentialsViewed: .credentialsViewed
        case .changeRequested: .changeRequested
        case .changeStepStarted: .changeStepStarted
        case .changeStepSucceeded: .changeStepSucceeded
        case .changeStepFailed: .changeStepFailed
        case .rollbackStarted: .rollbackStarted
        case .changed: .changed
        case .suspended: .suspended
        case .resumed: .resumed
        case .changeFailed: .changeFailed
        case .deletionProtectionChanged: .deletionProtectionChanged
        case .backupCompleted: .backupCompleted
        case .backupFailed: .backupFailed
        case .restored: .restored
        case .backupDeleted: .backupDeleted
        case .backupExpired: .backupExpired
        case .forgotten: .forgotten
        case .healthChecked: .healthChecked
        case .driftDetected: .driftDetected
        }
    }

    /// The wire name, e.g. `store.requested.v2`. A request whose e-mail is in clear (read
    /// from an old event, or not sealed yet) has the shape of `store.requested.v1`.
    public var type: String {
        if case .requested(let payload) = self, case .clear = payload.adminEmail { return StoreEventUpcasters.requestedV1 }
        return kind.rawValue
    }

    /// Every wire name this version understands: today's and the superseded ones it upcasts.
    public static let knownTypes: Set<String> = Set(Kind.allCases.map(\.rawValue)).union(StoreEventUpcasters.supersededTypes)

    /// Types whose payload holds a sealed personal field (reading them needs the store's key).
    public static let sealedTypes: Set<String> = [Kind.requested.rawValue]

    /// The unique claim a store's domain takes (one live store per domain).
    public static func domainClaim(_ domain: String) -> String { "domain:\(domain)" }

    /// Claims this event takes and releases, written in the same transaction as the event.
    public var claims: [String] {
        switch self {
        case .requested(let payload): [Self.domainClaim(payload.domain)]
        case .changeRequested(let payload): payload.change.addDomain.map { [Self.domainClaim($0)] } ?? []
        default: []
        }
    }

    public var releases: [String] {
        switch self {
        case .deleted(let payload): ([payload.domain] + (payload.extraDomains ?? [])).map(Self.domainClaim)
        case .changed(let payload), .suspended(let payload), .resumed(let payload), .restored(let payload):
            payload.releasedDomains.map(Self.domainClaim)
        case .changeFailed(let payload): payload.releasedDomains.map(Self.domainClaim)
        default: []
        }
    }
}
