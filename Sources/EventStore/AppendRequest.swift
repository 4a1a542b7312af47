/// One atomic append: events to one stream, plus cross-stream claims taken or released in
/// the same transaction.
public struct AppendRequest: Sendable, Hashable {
    public var stream: StreamID
    public var expected: ExpectedVersion
    public var events: [NewEvent]
    /// A caller's key for the whole request (e.g. an HTTP `Idempotency-Key`): a repeat with
    /// the same key and fingerprint returns the first result; another fingerprint is refused.
    public var idempotencyKey: String?
    /// What identifies the request's content for `idempotencyKey` (e.g. a hash of the body).
    public var fingerprint: String?
    /// Unique names this stream claims (e.g. `domain:shop.example.com`).
    public var claims: [String]
    /// Names this stream releases.
    public var releases: [String]

    public init(
        stream: StreamID, expected: ExpectedVersion, events: [NewEvent], idempotencyKey: String? = nil,
        fingerprint: String? = nil, claims: [String] = [], releases: [String] = []
    ) {
        self.stream = stream
        self.expected = expected
        self.events = events
        self.idempotencyKey = idempotencyKey
        self.fingerprint = fingerprint
        self.claims = claims
        self.releases = releases
    }
}

/// Where an append landed.
public struct AppendResult: Sendable, Hashable {
    public let stream: StreamID
    /// The stream's version after the append (its last event's version).
    public let streamVersion: Int64
    /// The cursor of the first and last appended events.
    public let firstCursor: LogCursor
    public let lastCursor: LogCursor
    /// True when nothing was written because the same events or key were already stored.
    public let replayed: Bool

    public init(stream: StreamID, streamVersion: Int64, firstCursor: LogCursor, lastCursor: LogCursor, replayed: Bool) {
        self.stream = stream
        self.streamVersion = streamVersion
        self.firstCursor = firstCursor
        self.lastCursor = lastCursor
        self.replayed = replayed
    }
}
