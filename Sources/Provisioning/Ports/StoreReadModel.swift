import EventStore

/// The store list, as the projector keeps it. Queries only: the projector writes.
public protocol StoreReadModel: Sendable {
    func store(_ id: StoreID) async throws -> StoreView?

    /// A page of stores, oldest first, of any of `statuses` (all when empty). `after` is the
    /// `next` of the previous page; an unknown cursor is an error, not an empty page.
    func stores(statuses: [StoreStatus], after: String?, limit: Int) async throws -> StorePage

    /// The log cursor of the last event the store list reflects.
    func checkpoint() async throws -> LogCursor

    /// Waits (up to `timeout`) until the store list reflects `cursor`; true if it does.
    func waitUntil(_ cursor: LogCursor, timeout: Duration) async throws -> Bool
}

public struct StorePage: Sendable {
    public let items: [StoreView]
    /// The cursor of the next page, or nil when this is the last.
    public let next: String?

    public init(items: [StoreView], next: String?) {
        self.items = items
        self.next = next
    }
}

/// A page cursor that does not parse.
public struct InvalidPageCursor: Error, Sendable, CustomStringConvertible {
    public init() {}
    public var description: String { "invalid page cursor" }
}
