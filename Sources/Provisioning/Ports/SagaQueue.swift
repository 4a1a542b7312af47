import EventStore
import Foundation

/// The coordinator's view of which sagas have work, with leases so that one saga runs in one
/// place at a time across replicas. Fed by the saga-queue projection.
public protocol SagaQueue: Sendable {
    /// Leases up to `limit` sagas that are due now and not leased by a live owner, oldest due
    /// first (a fair queue), skipping `excluding`. A lease expires after `ttl` unless renewed.
    func leaseDue(owner: String, limit: Int, ttl: Duration, excluding: Set<StoreID>) async throws -> [SagaLease]

    /// Extends the leases `owner` still holds; returns those it holds no more.
    func renew(_ ids: Set<StoreID>, owner: String, ttl: Duration) async throws -> Set<StoreID>

    /// Gives a lease up.
    func release(_ id: StoreID, owner: String) async throws

    /// Bumped when the queue may hold new due work (the projection advanced).
    var changes: WakeSignal { get }
}

public struct SagaLease: Sendable, Hashable {
    public let id: StoreID
    /// The stream version the queue entry reflects.
    public let version: Int64

    public init(id: StoreID, version: Int64) {
        self.id = id
        self.version = version
    }
}
