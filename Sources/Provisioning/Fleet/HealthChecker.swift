import EventStore
import Foundation

/// Runs a store's order canary and records the result (`store.health-checked.v1`).
///
/// Only a `ready` store with no operation under way is checked: during an update the shop is
/// between two configs, a restore has it on its maintenance page, a suspended store has no
/// shop, and a canary would measure the operation rather than the store. The result is
/// appended fenced on the store version the check started from, so a result that raced an
/// operation (or anything else) is dropped rather than recorded against a store that has
/// since changed. A cluster that cannot run the canary (transient error) records nothing:
/// the store's health is unknown then, not bad.
public struct HealthChecker: Sendable {
    /// The result of one check, as the API answers it.
    public struct Report: Sendable, Hashable, Codable {
        public let store: StoreID
        public let check: String
        public let result: CanaryResult
        public let consecutiveFailures: Int
        public let degraded: Bool
        /// False when the store changed while the canary ran (the result was not recorded).
        public let recorded: Bool
        public let position: String?
    }

    let events: any EventStore
    /// Opens the stores' sealed fields when their streams are folded.
    let vault: any PersonalDataVault
    let canary: (any StoreCanaryDriver)?
    /// How many failed checks in a row make a store `degraded`.
    public let degradedAfter: Int
    let newCheckID: @Sendable () -> String

    public init(
        events: any EventStore, vault: any PersonalDataVault, canary: (any StoreCanaryDriver)?, degradedAfter: Int = 3,
        newCheckID: @escaping @Sendable () -> String = { String(UUID().uuidString.lowercased().prefix(8)) }
    ) {
        self.events = events
        self.vault = vault
        self.canary = canary
        self.degradedAfter = max(1, degradedAfter)
        self.newCheckID = newCheckID
    }

    /// Whether a store in this state is checked (see the type's comment).
    public static func isCheckable(_ state: StoreState) -> Bool {
        state.status == .ready && state.operation == nil
    }

    /// Checks one store now. Throws `conflict` when the store is not checkable,
    /// `clusterUnavailable` when the canary could not run.
    public func check(_ id: StoreID, metadata: EventMetadata, rollout: String? = nil) async throws -> Report {
        guard let state = try await StoreProjection.load(id, from: events, vault: vault) else { throw ProvisioningError.storeNotFound(id) }
        return try await check(state, metadata: metadata, rollout: rollout)
    }

    /// Checks a store whose state was just loaded.
    public func check(_ state: StoreState, metadata: EventMetadata, rollout: String? = nil) async throws -> Report {
        guard Self.isCheckable(state) else {
            let what = state.operation.map { " (operation \($0.kind.rawValue) running)" } ?? ""
            throw ProvisioningError.conflict(state.id, "store is \(state.status.rawValue)\(what); only a ready store is checked")
        }
        guard let canary else {
            throw ProvisioningError.clusterUnavailable("this cluster driver cannot run the order canary")
        }
        let check = newCheckID()
        let result: CanaryResult
        do {
            result = try await canary.canary(check, for: StoreTarget(state))
        } catch let error as ClusterError where error.kind == .permanent {
            result = CanaryResult(passed: false, latencyMs: 0, failedStep: "job", reason: error.message)
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            throw ProvisioningError.clusterUnavailable("the canary could not run: \(error)")
        }
        let failures = result.passed ? 0 : (state.health?.consecutiveFailures ?? 0) + 1
        let degraded = failures >= degradedAfter
        let event = StoreEvent.healthChecked(
            .init(check: check, result: result, consecutiveFailures: failures, degraded: degraded, rollout: rollout))
        do {
            let appended = try await events.append(
                AppendRequest(stream: state.id.streamID, expected: .exact(state.version), events: [event.newEvent(metadata: metadata)]))
            return Report(
                store: state.id, check: check, result: result, consecutiveFailures: failures, degraded: degraded, recorded: true,
                position: appended.lastCursor.description)
        } catch EventStoreError.wrongExpectedVersion {
            return Report(
                store: state.id, check: check, result: result, consecutiveFailures: failures, degraded: degraded, recorded: false,
                position: nil)
        }
    }
}
