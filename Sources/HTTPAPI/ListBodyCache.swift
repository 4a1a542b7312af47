import EventStore
import NIOCore
import Provisioning
import Synchronization

/// Rendered bodies of store-list pages, by request and by the log position the page reflects.
///
/// The read model answers a page and its checkpoint from one snapshot, and the projector
/// writes rows and checkpoint in one transaction, so the same query at the same position is
/// the same page: its body can be sent again as is (the same buffer, no re-assembly, no new
/// allocation of a 600 KB body per request). Only bodies of the newest position seen are
/// kept, at most `capacity` of them.
final class ListBodyCache: Sendable {
    struct Key: Hashable {
        let statuses: [StoreStatus]
        let search: String?
        let after: String?
        let limit: Int
        let position: LogCursor
    }

    private struct State {
        var newest: LogCursor = .start
        var bodies: [Key: ByteBuffer] = [:]
    }

    let capacity: Int
    private let state = Mutex(State())

    init(capacity: Int = 64) {
        self.capacity = capacity
    }

    func body(_ key: Key) -> ByteBuffer? {
        state.withLock { $0.bodies[key] }
    }

    func keep(_ body: ByteBuffer, for key: Key) {
        state.withLock { state in
            if key.position > state.newest {
                state.newest = key.position
                state.bodies.removeAll(keepingCapacity: true)
            }
            guard key.position == state.newest else { return }
            if state.bodies.count >= capacity { state.bodies.removeAll(keepingCapacity: true) }
            state.bodies[key] = body
        }
    }
}
