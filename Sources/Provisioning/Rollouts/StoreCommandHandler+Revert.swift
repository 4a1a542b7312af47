import EventStore
import Foundation

extension StoreCommandHandler {
    /// Brings a store back to the config it had before a rollout's wave (`to`): an `update`
    /// operation like any other, on the store's own stream, except that the forward-only rules
    /// of a user's change (plans grow, versions go forward) do not apply. Returning to the
    /// config the store ran minutes ago is what an operation's own compensation (`helm
    /// rollback`) does too; the rules are there to stop a user from asking for a downgrade.
    ///
    /// Idempotent by `key`: a repeat after a crash finds the operation it started.
    public func revert(_ id: StoreID, to target: StoreConfig, metadata: EventMetadata, key: String) async throws -> Outcome {
        let operation = StoreID.derived(from: "change-store:\(metadata.actor):\(id):\(key)").description
        for _ in 0..<5 {
            guard let state = try await StoreProjection.load(id, from: events, vault: vault) else { throw ProvisioningError.storeNotFound(id) }
            if state.operation?.id == operation || state.operations.contains(where: { $0.id == operation }) {
                return Outcome(id: id, cursor: nil, replayed: true, state: state, operation: operation)
            }
            if let running = state.operation {
                throw ProvisioningError.operationRunning(id, operation: running.id, kind: running.kind)
            }
            guard state.status == .ready || state.status == .suspended else {
                throw ProvisioningError.conflict(id, "store is \(state.status.rawValue); it cannot be rolled back")
            }
            let from = state.applied ?? state.desired
            // Only what a rollout can change goes back; domains and suspension stay as they are.
            var to = target
            to.extraDomains = from.extraDomains
            to.suspended = from.suspended
            if to == from { return Outcome(id: id, cursor: nil, replayed: true, state: state, operation: nil) }
            let change = StoreChange(
                name: to.name == from.name ? nil : to.name, plan: to.plan == from.plan ? nil : to.plan,
                wordpressVersion: to.wordpressVersion == from.wordpressVersion ? nil : to.wordpressVersion,
                woocommerceVersion: to.woocommerceVersion == from.woocommerceVersion ? nil : to.woocommerceVersion,
                plugins: to.plugins == from.plugins ? nil : to.plugins)
            let event = StoreEvent.changeRequested(
                StoreEvent.ChangeRequested(
                    operation: operation, kind: .update, change: change, from: from, to: to, by: metadata.actor))
            do {
                let result = try await events.append(
                    AppendRequest(stream: id.streamID, expected: .exact(state.version), events: [event.newEvent(metadata: metadata)]))
                var after = StoreState.evolve(state, event, at: Date()) ?? state
                after.version = result.streamVersion
                return Outcome(id: id, cursor: result.lastCursor, replayed: false, state: after, operation: operation)
            } catch EventStoreError.wrongExpectedVersion {
                continue
            }
        }
        throw ProvisioningError.concurrentModification(id)
    }
}
