import Foundation

/// Which events an audit query wants. Results come in log order (the same order and cursors
/// as subscriptions and SSE), after `after`, at most `limit`.
public struct AuditFilter: Sendable, Hashable {
    public var stream: StreamID?
    /// Any of these types (empty: all).
    public var types: [String]
    public var actor: String?
    /// Recorded at or after.
    public var since: Date?
    /// Recorded before.
    public var until: Date?
    public var after: LogCursor
    public var limit: Int

    public init(
        stream: StreamID? = nil, types: [String] = [], actor: String? = nil, since: Date? = nil, until: Date? = nil,
        after: LogCursor = .start, limit: Int = 100
    ) {
        self.stream = stream
        self.types = types
        self.actor = actor
        self.since = since
        self.until = until
        self.after = after
        self.limit = limit
    }

    /// True when `event` passes every filter except the cursor and the limit.
    /// True when the filter lets every event through.
    public var matchesEverything: Bool {
        stream == nil && types.isEmpty && actor == nil && since == nil && until == nil
    }

    public func matches(_ event: RecordedEvent) -> Bool {
        if let stream, event.streamID != stream { return false }
        if !types.isEmpty, !types.contains(event.type) { return false }
        if let actor, event.metadata.actor != actor { return false }
        if let since, event.recordedAt < since { return false }
        if let until, event.recordedAt >= until { return false }
        return true
    }
}

/// Queries over the whole log for auditors.
public protocol EventAudit: Sendable {
    func audit(_ filter: AuditFilter) async throws -> [RecordedEvent]
}

extension InMemoryEventStore: EventAudit {
    public func audit(_ filter: AuditFilter) async throws -> [RecordedEvent] {
        var found: [RecordedEvent] = []
        var cursor = filter.after
        while found.count < filter.limit {
            let page = try await readAll(after: cursor, limit: 1000)
            guard let last = page.last else { break }
            found += page.filter(filter.matches).prefix(filter.limit - found.count)
            cursor = last.cursor
        }
        return found
    }
}
