import Auth
import EventStore
import Foundation
import Provisioning

/// An event as clients see it (SSE frames, audit items): a mapping, not the storage shape.
/// Payloads never hold secrets by design; the mapping passes `data` through as JSON, with
/// sealed personal fields opened (their text, or "[erased]" once the store was forgotten).
struct PublicEvent: Encodable {
    let id: String
    let storeId: String?
    let stream: String
    let version: Int64
    let type: String
    let recordedAt: Date
    let actor: String
    let correlationId: String?
    let causationId: String?
    let requestId: String?
    let data: RawJSON

    /// `keys` must hold the keys of the stores whose events hold sealed fields
    /// (`PersonalDataVault.keyRing(for:)`).
    init(_ event: RecordedEvent, keys: any PersonalKeyRing) {
        id = event.cursor.description
        storeId = StoreID(streamID: event.streamID)?.description
        stream = event.streamID.rawValue
        version = event.version
        type = event.type
        recordedAt = event.recordedAt
        actor = event.metadata.actor
        correlationId = event.metadata.correlationID?.uuidString.lowercased()
        causationId = event.metadata.causationID?.uuidString.lowercased()
        requestId = event.metadata.requestID
        data = RawJSON(
            text: event.data, omitting: TokenRegistry.hiddenFields[event.type] ?? [], replacing: Self.opened(event, keys: keys))
    }

    /// The sealed fields of `event` as their text; never the sealed form itself.
    static func opened(_ event: RecordedEvent, keys: any PersonalKeyRing) -> [String: JSONValue] {
        guard StoreEvent.sealedTypes.contains(event.type) else { return [:] }
        guard case .requested(let payload)? = try? StoreEvent(event, keys: keys) else {
            return ["adminEmail": .string(PersonalText.unopenedMarker)]
        }
        return ["adminEmail": .string(payload.adminEmail.text)]
    }

    /// Every event type a client can meet (store and token events), in one list for the
    /// dashboard (`GET /event-types`) and for checking audit filters.
    static let knownTypes: [String] =
        StoreEvent.Kind.allCases.map(\.rawValue) + StoreEventUpcasters.supersededTypes.sorted() + TokenRegistry.eventTypes
        + RolloutEvent.knownTypes

    /// One line of JSON (SSE `data:` must not contain a newline).
    func line() throws -> String {
        String(decoding: try APIJSON.encoder.encode(self), as: UTF8.self)
    }
}

/// JSON text embedded as is in an encoded value.
struct RawJSON: Encodable {
    let text: String
    var omitting: Set<String> = []
    var replacing: [String: JSONValue] = [:]

    func encode(to encoder: any Encoder) throws {
        // Decode into a neutral JSON value so the outer encoder writes it (one line, escaped).
        var value = try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
        if case .object(var fields) = value, !omitting.isEmpty || !replacing.isEmpty {
            for key in omitting { fields[key] = nil }
            for (key, replacement) in replacing where fields[key] != nil { fields[key] = replacement }
            value = .object(fields)
        }
        try value.encode(to: encoder)
    }
}
