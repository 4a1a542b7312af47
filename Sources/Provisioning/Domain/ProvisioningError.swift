/// Errors of the provisioning domain; `HTTPAPI` maps them to problem+json.
public enum ProvisioningError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The request is invalid; every field's problem is listed.
    case validation([FieldError])
    case storeNotFound(StoreID)
    case storeAlreadyExists(StoreID)
    /// The domain belongs to another live store.
    case domainInUse(String)
    /// The command does not apply in the store's current status.
    case conflict(StoreID, String)
    /// The same idempotency key came with a different request.
    case idempotencyKeyReused
    /// Another writer changed the store at the same moment; try again.
    case concurrentModification(StoreID)
    /// Another operation runs on the store; one at a time.
    case operationRunning(StoreID, operation: String, kind: OperationKind)
    /// The host name is not one of the store's extra domains.
    case domainNotOnStore(StoreID, String)
    /// The store has no backup with this id (or it is gone).
    case backupNotFound(StoreID, String)
    /// The store's personal data is in the log in clear (an old `store.requested.v1`):
    /// destroying a key cannot forget it.
    case legacyPersonalData(StoreID)
    /// The cluster did not answer (a transient cluster error); the same request may work later.
    case clusterUnavailable(String)

    public var description: String {
        switch self {
        case .validation(let errors): "invalid request: " + errors.map(\.description).joined(separator: "; ")
        case .storeNotFound(let id): "store \(id) not found"
        case .storeAlreadyExists(let id): "store \(id) already exists"
        case .domainInUse(let domain): "domain \(domain) is already used by another store"
        case .conflict(_, let reason): reason
        case .idempotencyKeyReused: "this Idempotency-Key was already used with a different request"
        case .concurrentModification(let id): "store \(id) was changed concurrently; try again"
        case .operationRunning(let id, let operation, let kind):
            "store \(id) is running operation \(operation) (\(kind.rawValue)); wait for it to finish"
        case .domainNotOnStore(let id, let domain): "\(domain) is not an extra domain of store \(id)"
        case .backupNotFound(let id, let backup): "store \(id) has no backup \(backup)"
        case .clusterUnavailable(let reason): "the cluster is unavailable: \(reason)"
        case .legacyPersonalData(let id):
            "store \(id) was requested before personal data was sealed: its e-mail is in the log in clear "
                + "(store.requested.v1); run `urumi events seal-legacy` first"
        }
    }
}
