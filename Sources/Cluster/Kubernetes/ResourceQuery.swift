/// A collection of the API to list and watch, narrowed by selectors.
struct ResourceQuery: Sendable, Hashable {
    /// The collection's path, e.g. `/apis/apps/v1/namespaces/store-1/statefulsets`.
    var path: String
    var fieldSelector: String?
    var labelSelector: String?
    /// For messages: "StatefulSet store-1234-mysql".
    var description: String

    /// One named object of a collection.
    static func named(_ name: String, in path: String, kind: String) -> ResourceQuery {
        ResourceQuery(path: path, fieldSelector: "metadata.name=\(name)", description: "\(kind) \(name)")
    }

    var selectors: [(String, String)] {
        var query: [(String, String)] = []
        if let fieldSelector { query.append(("fieldSelector", fieldSelector)) }
        if let labelSelector { query.append(("labelSelector", labelSelector)) }
        return query
    }
}
