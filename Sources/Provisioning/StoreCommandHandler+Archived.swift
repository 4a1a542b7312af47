import EventStore
import Foundation

extension StoreCommandHandler {
    /// What forgetting an archived store did.
    public struct ArchivedForget: Sendable {
        public let id: StoreID
        /// Where `store.forgotten.v1` landed (nil when nothing was appended).
        public let cursor: LogCursor?
        /// True when the store's key was already destroyed (forgotten before, here or before
        /// it was archived): nothing was appended.
        public let replayed: Bool
    }

    /// Forgets a store whose stream is no longer in the live log (`urumi events archive` moved
    /// it to a file) but whose key is still in the vault: the archive's sealed e-mail opens
    /// with it until it is destroyed. `store.forgotten.v1` is appended to a new stream of the
    /// store's own name, which holds only that event (no request: no read model shows the
    /// store again), and the database destroys the key in the same transaction, as for a
    /// live store; the record can be audited like any forget (`GET /stores/{id}/events`,
    /// `GET /audit?store=`). A store without a key is unknown here (never sealed anything, or
    /// an old request with its e-mail in clear, which a key cannot forget): not found.
    public func forgetArchived(_ id: StoreID, metadata: EventMetadata) async throws -> ArchivedForget {
        switch try await vault.keyStatus(of: id) {
        case .none:
            throw ProvisioningError.storeNotFound(id)
        case .destroyed:
            return ArchivedForget(id: id, cursor: nil, replayed: true)
        case .held:
            // A stream of that name means the store is live (this is not for it) or a
            // concurrent forget made it first: either way, not ours to append to.
            guard try await events.readStream(id.streamID, fromVersion: 1, limit: 1).isEmpty else {
                throw ProvisioningError.concurrentModification(id)
            }
            do {
                let result = try await events.append(
                    AppendRequest(
                        stream: id.streamID, expected: .noStream,
                        events: [StoreEvent.forgotten(.init(by: metadata.actor)).newEvent(metadata: metadata)]))
                try await vault.destroyKey(of: id)
                return ArchivedForget(id: id, cursor: result.lastCursor, replayed: false)
            } catch EventStoreError.wrongExpectedVersion {
                throw ProvisioningError.concurrentModification(id)
            }
        }
    }
}
