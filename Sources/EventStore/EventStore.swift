/// The event log: append-only streams plus a global, gap-free read order.
///
/// Implementations: ``InMemoryEventStore`` here, `PostgresEventStore` in `PostgresEvents`.
/// Both pass the same conformance suite.
public protocol EventStore: Sendable {
    /// Appends atomically, checking the expected version, claims and idempotency.
    @discardableResult
    func append(_ request: AppendRequest) async throws -> AppendResult

    /// Events of one stream with `version >= fromVersion`, oldest first, at most `limit`.
    func readStream(_ stream: StreamID, fromVersion: Int64, limit: Int) async throws -> [RecordedEvent]

    /// Events of the whole log after `cursor`, in log order, at most `limit`. Never returns an
    /// event that could still be preceded by one committed later.
    func readAll(after cursor: LogCursor, limit: Int) async throws -> [RecordedEvent]

    /// The cursor of the newest event a reader can see now (`LogCursor.start` when empty).
    func head() async throws -> LogCursor

    /// Who holds `claim`, if anyone.
    func claimOwner(_ claim: String) async throws -> StreamID?

    /// Follows the log from `cursor`: catches up, then delivers new events as they commit.
    func subscribe(after cursor: LogCursor) -> EventSubscription
}

extension EventStore {
    /// Appends events to a stream.
    @discardableResult
    public func append(
        to stream: StreamID, expected: ExpectedVersion, events: [NewEvent], idempotencyKey: String? = nil
    ) async throws -> AppendResult {
        try await append(AppendRequest(stream: stream, expected: expected, events: events, idempotencyKey: idempotencyKey))
    }

    /// Every event of a stream.
    public func readStream(_ stream: StreamID) async throws -> [RecordedEvent] {
        var all: [RecordedEvent] = []
        var next: Int64 = 1
        while true {
            let page = try await readStream(stream, fromVersion: next, limit: 1000)
            all += page
            guard let last = page.last, page.count == 1000 else { return all }
            next = last.version + 1
        }
    }
}
