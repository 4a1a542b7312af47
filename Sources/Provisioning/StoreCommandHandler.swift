import EventStore
import Foundation

/// Runs store commands: loads the store from its stream, decides, and appends with the
/// expected version (and the domain claim) in one atomic append.
public struct StoreCommandHandler: Sendable {
    /// The result of a command: the store, where its events landed, and its state after them.
    public struct Outcome: Sendable {
        public let id: StoreID
        /// The log cursor of the last event the command wrote (or found, when replayed).
        public let cursor: LogCursor?
        /// True when an idempotent repeat returned an earlier result.
        public let replayed: Bool
        public let state: StoreState
    }

    let events: any EventStore
    let newID: @Sendable () -> StoreID

    public init(events: any EventStore, newID: @escaping @Sendable () -> StoreID = { StoreID() }) {
        self.events = events
        self.newID = newID
    }

    /// Asks for a new store. With an idempotency key, the same key and body returns the same
    /// store; the same key with another body is refused.
    public func create(
        name: String?, domain: String?, adminEmail: String?, plan: String?, metadata: EventMetadata,
        idempotencyKey: String? = nil
    ) async throws -> Outcome {
        let spec = try StoreSpec.validate(name: name, domain: domain, adminEmail: adminEmail, plan: plan)
        let id = newID()
        let decided = try StoreDecider.decide(.create(id: id, spec: spec, by: metadata.actor), id: id, state: nil)
        let fingerprint = Fingerprint.of([spec.name, spec.domain, spec.adminEmail, spec.plan.rawValue].joined(separator: "\n"))
        let request = AppendRequest(
            stream: id.streamID, expected: .noStream,
            events: decided.map { $0.newEvent(metadata: metadata) },
            idempotencyKey: idempotencyKey.map { "create-store:\(metadata.actor):\($0)" },
            fingerprint: fingerprint,
            claims: decided.flatMap(\.claims))
        do {
            let result = try await events.append(request)
            let storeID = StoreID(streamID: result.stream) ?? id
            guard let state = try await StoreProjection.load(storeID, from: events) else {
                throw ProvisioningError.storeNotFound(storeID)
            }
            return Outcome(id: storeID, cursor: result.lastCursor, replayed: result.replayed, state: state)
        } catch EventStoreError.claimTaken {
            throw ProvisioningError.domainInUse(spec.domain)
        } catch EventStoreError.idempotencyKeyReused {
            throw ProvisioningError.idempotencyKeyReused
        }
    }

    /// Deletes a store (cancelling its provisioning if it is still under way).
    public func delete(_ id: StoreID, metadata: EventMetadata) async throws -> Outcome {
        try await run(.delete(by: metadata.actor), id: id, metadata: metadata)
    }

    /// Runs a failed store again.
    public func retry(_ id: StoreID, metadata: EventMetadata) async throws -> Outcome {
        try await run(.retry(by: metadata.actor), id: id, metadata: metadata)
    }

    private func run(_ command: StoreCommand, id: StoreID, metadata: EventMetadata) async throws -> Outcome {
        // The saga appends to the same stream; on a version conflict, decide again on the
        // fresh state (a handful of tries is plenty: saga appends are seconds apart).
        for _ in 0..<5 {
            let state = try await StoreProjection.load(id, from: events)
            let decided = try StoreDecider.decide(command, id: id, state: state)
            guard let state else { throw ProvisioningError.storeNotFound(id) }
            if decided.isEmpty { return Outcome(id: id, cursor: nil, replayed: true, state: state) }
            do {
                let result = try await events.append(
                    AppendRequest(
                        stream: id.streamID, expected: .exact(state.version),
                        events: decided.map { $0.newEvent(metadata: metadata) },
                        claims: decided.flatMap(\.claims), releases: decided.flatMap(\.releases)))
                var after = state
                for event in decided { after = StoreState.evolve(after, event, at: Date()) ?? after }
                after.version = result.streamVersion
                return Outcome(id: id, cursor: result.lastCursor, replayed: false, state: after)
            } catch EventStoreError.wrongExpectedVersion {
                continue
            }
        }
        throw ProvisioningError.concurrentModification(id)
    }
}
