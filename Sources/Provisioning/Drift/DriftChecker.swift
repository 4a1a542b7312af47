import EventStore
import Foundation

/// Compares a store's cluster with its log and records what differs
/// (`store.drift-detected.v1`), starting a `reconcile` operation to correct it unless told
/// to only report.
///
/// Only a `ready` or `suspended` store with no operation under way is checked: an operation
/// moves the cluster on purpose. The finding is appended fenced on the store version the
/// check started from, so drift that raced an operation is dropped, never recorded against a
/// store that has since changed. A cluster that cannot be read records nothing: that is an
/// unknown, not drift. A check that finds nothing records nothing either (the log holds
/// findings, not the schedule's heartbeat).
public struct DriftChecker: Sendable {
    /// The result of one check, as the API answers it.
    public struct Report: Sendable, Hashable {
        public let store: StoreID
        public let check: String
        public let differences: [DriftDifference]
        /// What was done about it (nil: no drift).
        public let action: DriftAction?
        /// The `reconcile` operation started.
        public let operation: String?
        /// True when `store.drift-detected.v1` was appended; false with no drift, or when
        /// the store changed while its cluster was read.
        public let recorded: Bool
        public let position: String?
    }

    let events: any EventStore
    let commands: StoreCommandHandler
    let vault: any PersonalDataVault
    let inspector: (any StoreInspectionDriver)?
    /// What a check does about drift unless told otherwise (`--drift-action`).
    public let defaultAction: DriftAction
    let newCheckID: @Sendable () -> String

    public init(
        events: any EventStore, vault: any PersonalDataVault, inspector: (any StoreInspectionDriver)?,
        defaultAction: DriftAction = .corrected,
        newCheckID: @escaping @Sendable () -> String = { String(UUID().uuidString.lowercased().prefix(8)) }
    ) {
        self.events = events
        self.vault = vault
        self.commands = StoreCommandHandler(events: events, vault: vault)
        self.inspector = inspector
        self.defaultAction = defaultAction
        self.newCheckID = newCheckID
    }

    /// Whether the cluster driver can inspect stores at all.
    public var canInspect: Bool { inspector != nil }

    /// Whether a store in this state is checked (see the type's comment).
    public static func isCheckable(_ state: StoreState) -> Bool {
        (state.status == .ready || state.status == .suspended) && state.operation == nil
    }

    /// Checks one store now. Throws `conflict` when the store is not checkable,
    /// `clusterUnavailable` when its cluster could not be read.
    public func check(_ id: StoreID, metadata: EventMetadata, action: DriftAction? = nil) async throws -> Report {
        guard let state = try await StoreProjection.load(id, from: events, vault: vault) else { throw ProvisioningError.storeNotFound(id) }
        guard Self.isCheckable(state) else {
            let what = state.operation.map { " (operation \($0.kind.rawValue) running)" } ?? ""
            throw ProvisioningError.conflict(
                state.id, "store is \(state.status.rawValue)\(what); only a ready or suspended store is checked for drift")
        }
        guard let inspector else {
            throw ProvisioningError.clusterUnavailable("this cluster driver cannot inspect stores")
        }
        let check = newCheckID()
        let target = StoreTarget(state)
        let observation: ClusterObservation
        let expected: [String: String]
        do {
            expected = try inspector.expectedValues(for: target)
            observation = try await inspector.inspect(target)
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            throw ProvisioningError.clusterUnavailable("the store's release could not be read: \((error as? ClusterError)?.message ?? "\(error)")")
        }
        let differences = DriftDetector.differences(
            expectedRevision: state.helmRevision, expectedValues: expected, observation: observation, release: target.release)
        guard !differences.isEmpty else {
            return Report(store: id, check: check, differences: [], action: nil, operation: nil, recorded: false, position: nil)
        }
        let action = action ?? defaultAction
        // Derived from the store and the version it was found at: two replicas finding the same
        // drift name the same operation, and the fenced append lets one of them record it.
        let operation = action == .corrected ? StoreID.derived(from: "reconcile-store:\(id):\(state.version)").description : nil
        let detected = StoreEvent.DriftDetected(
            check: check, differences: differences, action: action, operation: operation, observedRevision: observation.revision)
        do {
            let outcome = try await commands.run(
                .recordDrift(detected, observedVersion: state.version, by: metadata.actor), id: id, metadata: metadata)
            return Report(
                store: id, check: check, differences: differences, action: action, operation: operation, recorded: true,
                position: outcome.cursor?.description)
        } catch ProvisioningError.concurrentModification {
            return Report(
                store: id, check: check, differences: differences, action: action, operation: nil, recorded: false, position: nil)
        }
    }
}
