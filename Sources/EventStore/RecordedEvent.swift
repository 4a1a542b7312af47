import Foundation

/// An event as stored in the log.
public struct RecordedEvent: Sendable, Hashable, Identifiable {
    public let id: UUID
    public let streamID: StreamID
    /// 1 for a stream's first event, then contiguous.
    public let version: Int64
    /// Where it sits in the global log.
    public let cursor: LogCursor
    public let type: String
    /// JSON object text (as the store normalises it: compare parsed, not as text).
    public let data: String
    public let metadata: EventMetadata
    public let recordedAt: Date

    public init(
        id: UUID, streamID: StreamID, version: Int64, cursor: LogCursor, type: String, data: String,
        metadata: EventMetadata, recordedAt: Date
    ) {
        self.id = id
        self.streamID = streamID
        self.version = version
        self.cursor = cursor
        self.type = type
        self.data = data
        self.metadata = metadata
        self.recordedAt = recordedAt
    }

    /// The global position (from a sequence: unique, increasing within a transaction).
    public var position: Int64 { cursor.position }

    /// Decodes `data`.
    public func decode<Payload: Decodable>(_ type: Payload.Type) throws -> Payload {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try decoder.decode(Payload.self, from: Data(data.utf8))
    }
}
