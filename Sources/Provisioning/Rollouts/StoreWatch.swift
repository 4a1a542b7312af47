import EventStore
import Synchronization

/// Watches the log for the ends of store operations (and deletions) that a rollout waits for:
/// a `LogConsumer` that notes which watched stores had such an event and wakes the waiters,
/// who then read only those stores. No polling of stores that did not move.
public final class StoreWatch: LogConsumer, Sendable {
    private struct State {
        var watched: [StoreID: Int] = [:]
        var touched: Set<StoreID> = []
    }

    private let state = Mutex(State())
    public let signal = WakeSignal()

    public init() {}

    /// The store events that end what a rollout waits for.
    static let endings: Set<String> = Set(
        [
            StoreEvent.Kind.changed, .suspended, .resumed, .restored, .changeFailed, .deleted, .compensationFailed, .failed,
            .ready,
        ].map(\.rawValue))

    public func watch(_ ids: [StoreID]) {
        state.withLock { state in
            for id in ids { state.watched[id, default: 0] += 1 }
        }
    }

    public func unwatch(_ ids: [StoreID]) {
        state.withLock { state in
            for id in ids {
                let count = (state.watched[id] ?? 1) - 1
                state.watched[id] = count > 0 ? count : nil
                if count <= 0 { state.touched.remove(id) }
            }
        }
    }

    /// Which of `ids` had an ending event since the last call (they are cleared).
    public func take(_ ids: Set<StoreID>) -> Set<StoreID> {
        state.withLock { state in
            let hit = state.touched.intersection(ids)
            state.touched.subtract(hit)
            return hit
        }
    }

    public func consume(_ batch: [RecordedEvent]) async {
        let any = state.withLock { state -> Bool in
            var any = false
            for event in batch where Self.endings.contains(event.type) {
                guard let id = StoreID(streamID: event.streamID), state.watched[id] != nil else { continue }
                state.touched.insert(id)
                any = true
            }
            return any
        }
        if any { signal.bump() }
    }
}
