import Foundation

/// The coordinator's index entry for one store: does its saga have work, and from when.
public struct SagaQueueEntry: Sendable, Hashable {
    public let id: StoreID
    public let open: Bool
    /// When the saga next has something to do (nil when closed).
    public let dueAt: Date?
    public let version: Int64

    public init(_ state: StoreState) {
        id = state.id
        version = state.version
        // Ask the planner as if at the dawn of time: what is due now is due since the last
        // change; what waits for a backoff is due at its time.
        switch StoreSagaPlan.next(state, now: .distantPast) {
        case .idle:
            open = false
            dueAt = nil
        case .wait(let until):
            open = true
            dueAt = until
        case .call, .record:
            open = true
            dueAt = state.updatedAt
        }
    }
}
