import Foundation

extension StoreEvent {
    /// `store.drift-detected.v1`: a check found the store's cluster differing from its log.
    /// With `action: corrected` the same append starts the `reconcile` operation `operation`.
    public struct DriftDetected: Sendable, Hashable, Codable {
        public let check: String
        public let differences: [DriftDifference]
        public let action: DriftAction
        /// The `reconcile` operation that re-applies the config (nil when only reported).
        public let operation: String?
        /// The release revision the cluster had (nil: no release).
        public let observedRevision: Int?

        public init(
            check: String, differences: [DriftDifference], action: DriftAction, operation: String?, observedRevision: Int?
        ) {
            self.check = check
            self.differences = differences
            self.action = action
            self.operation = operation
            self.observedRevision = observedRevision
        }
    }
}

/// The last drift found on a store and what became of it.
public struct StoreDrift: Sendable, Hashable, Codable {
    public enum State: String, Sendable, Hashable, Codable, CaseIterable {
        /// The `reconcile` operation is re-applying the config.
        case correcting
        /// Re-applied: by the `reconcile` operation, or by a later operation that applied the
        /// release (any completed update, suspend, resume or restore upgrades it).
        case corrected
        /// Recorded only (`--drift-action report`): the cluster still differs.
        case reported
        /// The `reconcile` operation failed (see the store's operations).
        case correctionFailed = "correction-failed"
    }

    public var state: State
    public let check: String
    public let differences: [DriftDifference]
    public let action: DriftAction
    public let detectedAt: Date
    /// The `reconcile` operation started for it.
    public let operation: String?
    /// The operation that re-applied the release, and when.
    public var correctedBy: String?
    public var correctedAt: Date?

    init(_ event: StoreEvent.DriftDetected, at: Date) {
        state = event.action == .corrected ? .correcting : .reported
        check = event.check
        differences = event.differences
        action = event.action
        detectedAt = at
        operation = event.operation
    }

    /// Whether the store is drifted now, as far as the log knows.
    public var isOutstanding: Bool { state != .corrected }
}

extension StoreState {
    /// Settles the drift on record when an operation ends: a completed operation applied the
    /// release again (a `helm upgrade` recreates missing objects and sets every value); the
    /// failure of the drift's own `reconcile` leaves it uncorrected.
    mutating func settleDrift(after event: StoreEvent, at: Date) {
        guard var drift, drift.isOutstanding else { return }
        switch event {
        case .changed(let completed), .suspended(let completed), .resumed(let completed), .restored(let completed):
            drift.state = .corrected
            drift.correctedBy = completed.operation
            drift.correctedAt = at
        case .changeFailed(let failed) where failed.operation == drift.operation:
            drift.state = .correctionFailed
        default:
            return
        }
        self.drift = drift
    }
}
