import Foundation

/// An event to append. `data` is a JSON object, as UTF-8 text.
public struct NewEvent: Sendable, Hashable {
    /// Unique across the log; appending an id already stored is an idempotent repeat.
    public var id: UUID
    /// The versioned wire name, e.g. `store.requested.v1`.
    public var type: String
    public var data: String
    public var metadata: EventMetadata

    public init(id: UUID = UUID(), type: String, data: String, metadata: EventMetadata) {
        self.id = id
        self.type = type
        self.data = data
        self.metadata = metadata
    }

    /// Encodes `payload` as the event's data.
    public init<Payload: Encodable>(
        id: UUID = UUID(), type: String, payload: Payload, metadata: EventMetadata
    ) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        let bytes = try encoder.encode(payload)
        self.init(id: id, type: type, data: String(decoding: bytes, as: UTF8.self), metadata: metadata)
    }
}
