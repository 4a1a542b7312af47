import Foundation

/// Who and what caused an event. Stored with every event; never holds secrets.
public struct EventMetadata: Sendable, Hashable, Codable {
    /// The token name that asked, or `system` for the saga.
    public var actor: String
    /// Ties together every event that one request or one saga run produced.
    public var correlationID: UUID?
    /// The event (or command) that directly caused this one.
    public var causationID: UUID?
    /// The HTTP request id, when there was one.
    public var requestID: String?

    public init(actor: String, correlationID: UUID? = nil, causationID: UUID? = nil, requestID: String? = nil) {
        self.actor = actor
        self.correlationID = correlationID
        self.causationID = causationID
        self.requestID = requestID
    }

    enum CodingKeys: String, CodingKey {
        case actor
        case correlationID = "correlation_id"
        case causationID = "causation_id"
        case requestID = "request_id"
    }
}
