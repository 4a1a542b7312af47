import Foundation

/// What a day-two operation does to a store.
public enum OperationKind: String, Sendable, Hashable, Codable, CaseIterable {
    /// Name, plan, versions or plugins (`PATCH /stores/{id}`).
    case update
    /// Scale to zero, keep the volumes, show a maintenance page.
    case suspend
    case resume
    case addDomain = "add-domain"
    case removeDomain = "remove-domain"
    /// A backup of the database and `wp-content` (on demand, scheduled, or before a deletion).
    case backup
    /// The store's data replaced by a backup's, after a safety backup of what it holds now.
    case restore
    /// One backup's objects removed (on demand, or expired by the retention).
    case deleteBackup = "delete-backup"
    /// The config the log says re-applied, unchanged, because the cluster drifted from it
    /// (`store.drift-detected.v1` with `action: corrected`; see docs/decisions/drift.md).
    case reconcile

    /// The steps of the operation, in order.
    public var steps: [OperationStep] {
        switch self {
        case .update, .resume: [.apply, .workloads, .setup]
        case .suspend, .reconcile: [.apply, .workloads]
        case .addDomain: [.apply, .certificate]
        case .removeDomain: [.apply]
        case .backup: [.snapshot]
        case .restore: [.snapshot, .quiesce, .restore, .apply, .workloads, .setup]
        case .deleteBackup: [.discard]
        }
    }

    /// The status a store shows while the operation runs (the shop serves, except while a
    /// restore has it on its maintenance page).
    public var runningStatus: StoreStatus {
        switch self {
        case .backup: .backingUp
        case .restore: .restoring
        case .update, .suspend, .resume, .addDomain, .removeDomain, .deleteBackup, .reconcile: .updating
        }
    }

    /// Whether the operation changes the store's config (and so the release): a failure is
    /// undone by `helm rollback`. The backup operations leave the config alone.
    public var changesConfig: Bool {
        switch self {
        case .update, .suspend, .resume, .addDomain, .removeDomain, .reconcile: true
        case .backup, .restore, .deleteBackup: false
        }
    }
}

/// The steps of an operation and of its rollback.
public enum OperationStep: String, Sendable, Hashable, Codable, CodingKeyRepresentable, CaseIterable {
    /// `helm upgrade` with the new values; records the release revision.
    case apply
    /// MySQL and WordPress back to ready (or, when suspending, at zero with the maintenance
    /// page up).
    case workloads
    /// The setup Job (plugins, `wp core update-db`, `wp wc update`) succeeded and the shop answers.
    case setup
    /// The TLS certificate for the store's host names is Ready (cert-manager), when TLS is on.
    case certificate
    /// `helm rollback` to the last good revision (the compensation).
    case rollback
    /// The workloads of the last good revision ready again.
    case recover
    /// A backup Job wrote the store's database and files with a manifest (a backup, or the
    /// safety backup a restore takes first).
    case snapshot
    /// The shop on its maintenance page, WordPress and MySQL stopped (`helm upgrade` with
    /// `suspended`), before a restore Job replaces the data.
    case quiesce
    /// A restore Job replaced the database and `wp-content` with the backup's (checksums
    /// verified first) and ran `wp wc update`.
    case restore
    /// The compensation of a failed restore: the safety backup restored (the shop quiesced
    /// first).
    case restoreSnapshot = "restore-snapshot"
    /// A Job removed one backup's objects (a backup deleted or expired; the compensation of a
    /// backup that failed half-written).
    case discard

    /// The steps that undo a failed config change, in order.
    public static let rollbackSteps: [OperationStep] = [.rollback, .recover]
}

/// The change an operation makes: the fields it sets (nil: unchanged).
public struct StoreChange: Sendable, Hashable, Codable {
    public var name: String?
    public var plan: Plan?
    public var wordpressVersion: String?
    public var woocommerceVersion: String?
    public var plugins: [PluginSpec]?
    public var suspended: Bool?
    public var addDomain: String?
    public var removeDomain: String?

    public init(
        name: String? = nil, plan: Plan? = nil, wordpressVersion: String? = nil, woocommerceVersion: String? = nil,
        plugins: [PluginSpec]? = nil, suspended: Bool? = nil, addDomain: String? = nil, removeDomain: String? = nil
    ) {
        self.name = name
        self.plan = plan
        self.wordpressVersion = wordpressVersion
        self.woocommerceVersion = woocommerceVersion
        self.plugins = plugins
        self.suspended = suspended
        self.addDomain = addDomain
        self.removeDomain = removeDomain
    }

    /// `config` with this change made.
    public func applied(to config: StoreConfig) -> StoreConfig {
        var next = config
        if let name { next.name = name }
        if let plan { next.plan = plan }
        if let wordpressVersion { next.wordpressVersion = wordpressVersion }
        if let woocommerceVersion { next.woocommerceVersion = woocommerceVersion }
        if let plugins { next.plugins = plugins }
        if let suspended { next.suspended = suspended }
        if let addDomain, !next.extraDomains.contains(addDomain) { next.extraDomains.append(addDomain) }
        if let removeDomain { next.extraDomains.removeAll { $0 == removeDomain } }
        return next
    }
}

/// The operation a store is going through, as its events tell it.
public struct StoreOperation: Sendable, Hashable, Codable {
    public struct Rollback: Sendable, Hashable, Codable {
        public let reason: String
        public let failedStep: OperationStep?
        /// The revision rolled back to (nil: the one before the failed upgrade).
        public let toRevision: Int?
    }

    public let id: String
    public let kind: OperationKind
    public let change: StoreChange
    /// The config before (what a rollback returns to) and the one asked for.
    public let from: StoreConfig
    public let to: StoreConfig
    public let requestedBy: String
    public let requestedAt: Date
    public var steps: [OperationStep: StepState]
    public var rollback: Rollback?
    /// The release revision the upgrade made.
    public var revision: Int?
    /// The release revision when the operation was asked for (what a rollback returns to when
    /// no good revision is known yet).
    public var startRevision: Int?
    /// What a backup, restore or backup deletion works on.
    public let backup: BackupOrder?

    public init(_ requested: StoreEvent.ChangeRequested, at: Date) {
        id = requested.operation
        kind = requested.kind
        change = requested.change
        from = requested.from
        to = requested.to
        requestedBy = requested.by
        requestedAt = at
        backup = requested.backup
        steps = Dictionary(uniqueKeysWithValues: Set(kind.steps + OperationStep.allCompensations(kind)).map { ($0, StepState()) })
    }

    public subscript(step: OperationStep) -> StepState {
        get { steps[step] ?? StepState() }
        set { steps[step] = newValue }
    }

    /// The steps of the current phase: the operation's, or its rollback's.
    public var phaseSteps: [OperationStep] { rollback == nil ? kind.steps : compensation }

    /// The steps that undo this operation once a step failed for good. A config change rolls
    /// the release back. A backup removes what it half-wrote. A restore undoes what it got to:
    /// a failed safety backup is removed; once the shop was quiesced the release goes back
    /// (un-quiescing it); once the restore Job started, the safety backup is restored first.
    /// Fixed once the rollback starts: it depends only on which forward steps started.
    public var compensation: [OperationStep] {
        switch kind {
        case .update, .suspend, .resume, .addDomain, .removeDomain, .reconcile: return OperationStep.rollbackSteps
        case .backup: return [.discard]
        case .deleteBackup: return []
        case .restore:
            if self[.restore].status != .pending { return [.restoreSnapshot] + OperationStep.rollbackSteps }
            if self[.quiesce].status != .pending { return OperationStep.rollbackSteps }
            return [.discard]
        }
    }

    /// The step under way (running, waiting to retry, or next).
    public var currentStep: OperationStep? { phaseSteps.first { self[$0].status != .succeeded } }

    /// The config the cluster is being brought to in this phase.
    public var target: StoreConfig { rollback == nil ? to : from }
}

/// A finished operation, kept on the store for its history.
public struct OperationRecord: Sendable, Hashable, Codable {
    public enum Outcome: String, Sendable, Hashable, Codable {
        case succeeded
        /// Failed and rolled back: the store runs its previous config.
        case rolledBack = "rolled-back"
        /// Failed and the rollback failed too: an operator must look.
        case rollbackFailed = "rollback-failed"
        /// Cancelled by the store's deletion.
        case cancelled
    }

    public let id: String
    public let kind: OperationKind
    public let change: StoreChange
    public let outcome: Outcome
    public let reason: String?
    public let failedStep: OperationStep?
    public let revision: Int?
    /// After a rollback that failed: what an operator must check.
    public let leftovers: String?
    public let requestedBy: String
    public let requestedAt: Date
    public let finishedAt: Date
}

extension OperationStep {
    /// Every step that may undo an operation of `kind` (the state keeps one entry each).
    static func allCompensations(_ kind: OperationKind) -> [OperationStep] {
        switch kind {
        case .update, .suspend, .resume, .addDomain, .removeDomain, .reconcile: rollbackSteps
        case .backup: [.discard]
        case .deleteBackup: []
        case .restore: [.restoreSnapshot, .discard] + rollbackSteps
        }
    }
}
