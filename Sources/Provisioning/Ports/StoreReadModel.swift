import EventStore

/// The store list, as the projector keeps it. Queries only: the projector writes.
public protocol StoreReadModel: Sendable {
    func store(_ id: StoreID) async throws -> StoreView?

    /// A page of stores, oldest first, of any of `statuses` (all when empty) whose name or
    /// domain contains `search` ignoring case (all when nil or empty), each as the JSON the API
    /// shows (`StoreView` in the domain's JSON form, kept ready by the projector), with the log
    /// position the page reflects at least. `after` is the `next` of the previous page (of the
    /// same filter); an unknown cursor is an error, not an empty page. `search` is taken
    /// literally (no wildcards); callers check its length and characters.
    func page(statuses: [StoreStatus], search: String?, after: String?, limit: Int) async throws -> StorePage

    /// How many stores there are by status, plan, health and versions (`StoreCounts`), as
    /// one aggregate over the store list, with the log position it reflects at least. The
    /// same numbers as `StoreCounts.countingPages` gives by reading every page.
    func counts() async throws -> StoreCounts

    /// The log cursor of the last event the store list reflects.
    func checkpoint() async throws -> LogCursor

    /// Waits (up to `timeout`) until the store list reflects `cursor`; true if it does.
    func waitUntil(_ cursor: LogCursor, timeout: Duration) async throws -> Bool
}

public struct StorePage: Sendable {
    /// Each store's JSON object, as the API shows it.
    public let items: [String]
    /// The cursor of the next page, or nil when this is the last.
    public let next: String?
    /// The log position the page reflects at least.
    public let position: LogCursor

    public init(items: [String], next: String?, position: LogCursor) {
        self.items = items
        self.next = next
        self.position = position
    }
}

/// A page cursor that does not parse.
public struct InvalidPageCursor: Error, Sendable, CustomStringConvertible {
    public init() {}
    public var description: String { "invalid page cursor" }
}
