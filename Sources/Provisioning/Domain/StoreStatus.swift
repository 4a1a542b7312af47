/// Where a store is in its life, as shown to users.
public enum StoreStatus: String, Sendable, Hashable, Codable, CaseIterable {
    case provisioning
    case ready
    /// A step failed for good; completed steps are being undone.
    case compensating
    /// Ended without a shop: after compensation (or with `needsAttention` when it could not
    /// clean up).
    case failed
    /// Being torn down after a delete (also while cancelling a provisioning store).
    case deleting
    case deleted
    /// A day-two operation (update, suspend, resume, a domain) is under way; the shop serves.
    case updating
    /// Scaled to zero with its volumes kept; the shop URL shows a maintenance page.
    case suspended
    /// A backup Job is writing the store's data; the shop serves.
    case backingUp = "backing-up"
    /// A restore is replacing the store's data; the shop shows its maintenance page.
    case restoring

    /// True while the saga coordinator has work for this store.
    public var isOpen: Bool {
        self == .provisioning || self == .compensating || self == .deleting || isOperating
    }

    /// True while a day-two operation runs (`operation` on the store says which).
    public var isOperating: Bool { self == .updating || self == .backingUp || self == .restoring }

    /// True when the store has a shop (running, being changed, or paused).
    public var hasShop: Bool { self == .ready || self == .suspended || isOperating }
}
