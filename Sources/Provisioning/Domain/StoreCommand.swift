/// What users ask of a store.
public enum StoreCommand: Sendable, Hashable {
    case create(id: StoreID, spec: StoreSpec, by: String)
    /// Tear the store down; while it still provisions, cancel and compensate.
    case delete(by: String)
    /// Run a failed store again from the first step whose effects are gone.
    case retry(by: String)
    /// A day-two operation: `change` (validated on its own) made to the store's config.
    case change(OperationKind, StoreChange, operation: String, by: String)
    /// Back the store up (`order.reason`; with `deleteAfter`, the final backup of a deletion).
    case backup(BackupOrder, operation: String, by: String)
    /// Restore the store's completed backup `order.backup`, taking `order.safety` first.
    case restore(BackupOrder, operation: String, by: String)
    /// Remove the store's backup `order.backup` (`expired`: by the retention).
    case deleteBackup(BackupOrder, operation: String, by: String)
    /// Delete the store after a final backup (`order`) when it has a shop; otherwise as `delete`.
    case deleteAfterBackup(BackupOrder, operation: String, by: String)
    /// Forget the store's personal data: destroy its key (the events stay, for audit).
    case forget(by: String)
    /// Record drift found at stream version `observedVersion` (refused if the store moved
    /// since); with `detected.operation`, start the `reconcile` operation in the same append.
    case recordDrift(StoreEvent.DriftDetected, observedVersion: Int64, by: String)
    /// Turn deletion protection on or off (with, optionally, a change in the same append).
    indirect case protect(Bool, then: StoreCommand?, by: String)
}
