import EventStore
import Foundation

/// Folds recorded events into store states: the logic shared by every read model (the
/// store list and the saga queue), whatever holds them. Deterministic: replaying the same
/// events gives the same states.
public enum StoreProjection {
    /// The stores that `events` touch.
    public static func storeIDs(in events: [RecordedEvent]) -> Set<StoreID> {
        Set(events.compactMap { StoreID(streamID: $0.streamID) })
    }

    /// Applies `events` (in log order) to `states`, opening sealed fields with `keys`; returns
    /// the ids that changed.
    @discardableResult
    public static func apply(
        _ events: [RecordedEvent], to states: inout [StoreID: StoreState], keys: any PersonalKeyRing
    ) throws -> Set<StoreID> {
        var changed = Set<StoreID>()
        for recorded in events {
            guard let id = StoreID(streamID: recorded.streamID) else { continue }
            // A projection that already holds this version (replayed batch) skips it.
            if let current = states[id], current.version >= recorded.version { continue }
            if evolve(&states, id, recorded, try StoreEvent(recorded, keys: keys)) { changed.insert(id) }
        }
        return changed
    }

    /// `events` decoded, their sealed fields opened with `keys` (nil for a type this version
    /// does not know). Pure: a batch may be decoded in parts, on several tasks at once, and
    /// then applied in order (`apply(_:decoded:to:)`).
    public static func decode(_ events: ArraySlice<RecordedEvent>, keys: any PersonalKeyRing) throws -> [StoreEvent?] {
        try events.map { StoreID(streamID: $0.streamID) == nil ? nil : try StoreEvent($0, keys: keys) }
    }

    /// Applies `events` (in log order), already decoded (`decoded[i]` is `events[i]`), to
    /// `states`; returns the ids that changed.
    public static func apply(_ events: [RecordedEvent], decoded: [StoreEvent?], to states: inout [StoreID: StoreState])
        -> Set<StoreID>
    {
        precondition(events.count == decoded.count, "one decoded event per event")
        var changed = Set<StoreID>()
        for (recorded, event) in zip(events, decoded) {
            guard let id = StoreID(streamID: recorded.streamID) else { continue }
            if let current = states[id], current.version >= recorded.version { continue }
            if evolve(&states, id, recorded, event) { changed.insert(id) }
        }
        return changed
    }

    /// Folds one event into `states[id]`; false when it made no state (an event before the
    /// store's request). An event type this version does not know (nil) still advances the
    /// version, so that appends fenced on it stay right.
    private static func evolve(_ states: inout [StoreID: StoreState], _ id: StoreID, _ recorded: RecordedEvent, _ event: StoreEvent?)
        -> Bool
    {
        if states[id] != nil {
            // In place, through the dictionary's accessor: no copy of the state per event.
            if let event { states[id]!.evolve(event, at: recorded.recordedAt) }
            states[id]!.version = recorded.version
            return true
        }
        guard var state = event.flatMap({ StoreState.evolve(nil, $0, at: recorded.recordedAt) }) else { return false }
        state.version = recorded.version
        states[id] = state
        return true
    }

    /// Any value in the domain's JSON form (sorted keys, millisecond dates).
    public static func encodeJSON(_ value: some Encodable) throws -> String {
        String(decoding: try StoreEvent.encoder.encode(value), as: UTF8.self)
    }

    /// A value from the domain's JSON form.
    public static func decodeJSON<T: Decodable>(_ type: T.Type, _ text: String) throws -> T {
        try StoreEvent.decoder.decode(T.self, from: Data(text.utf8))
    }

    /// Encodes states for storage (sorted keys, millisecond dates: stable across rebuilds):
    /// `encodeJSON(state)`'s very bytes, written by hand (`StoreState+JSON.swift`).
    public static func encode(_ state: StoreState) throws -> String {
        var json = DomainJSONWriter()
        try state.writeJSON(to: &json)
        return json.text
    }

    public static func decode(_ text: String) throws -> StoreState {
        try StoreEvent.decoder.decode(StoreState.self, from: Data(text.utf8))
    }

    /// A store's view as the API shows it: `encodeJSON(view)`'s very bytes, written by hand.
    public static func encode(_ view: StoreView) throws -> String {
        var json = DomainJSONWriter()
        try view.writeJSON(to: &json)
        return json.text
    }

    public static func decodeView(_ text: String) throws -> StoreView {
        try StoreEvent.decoder.decode(StoreView.self, from: Data(text.utf8))
    }

    /// Loads one store's state straight from its stream (the source of truth), its personal
    /// fields opened with the keys of `vault`.
    public static func load(_ id: StoreID, from store: any EventStore, vault: any PersonalDataVault) async throws
        -> StoreState?
    {
        let events = try await store.readStream(id.streamID)
        return try fold(events, keys: try await vault.keyRing(for: events))
    }

    /// The head of a store's stream as it was at `at` (events recorded at or before it, compared
    /// to the millisecond as the API writes times: an event's own time includes it) or up to
    /// stream version `version`: what time travel folds.
    public static func history(_ events: [RecordedEvent], at: Date? = nil, version: Int64? = nil) -> [RecordedEvent] {
        func millis(_ date: Date) -> Double { (date.timeIntervalSinceReferenceDate * 1000).rounded() }
        return Array(
            events.prefix { event in
                if let at, millis(event.recordedAt) > millis(at) { return false }
                if let version, event.version > version { return false }
                return true
            })
    }

    /// Folds one store's recorded events (its whole stream, in order).
    public static func fold(_ events: [RecordedEvent], keys: any PersonalKeyRing) throws -> StoreState? {
        var state: StoreState?
        for recorded in events {
            if let event = try StoreEvent(recorded, keys: keys) {
                state = StoreState.evolve(state, event, at: recorded.recordedAt)
            }
            state?.version = recorded.version
        }
        return state
    }
}
