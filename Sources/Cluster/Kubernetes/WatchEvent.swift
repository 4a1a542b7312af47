import Provisioning

/// One line of a watch stream: `{"type": "ADDED|MODIFIED|DELETED|BOOKMARK|ERROR", "object": {...}}`.
struct WatchEvent: Sendable, Hashable {
    enum Kind: String, Sendable, Hashable {
        case added = "ADDED"
        case modified = "MODIFIED"
        case deleted = "DELETED"
        case bookmark = "BOOKMARK"
        case error = "ERROR"
    }

    var kind: Kind
    var object: JSONValue

    init(kind: Kind, object: JSONValue) {
        self.kind = kind
        self.object = object
    }

    init(line: [UInt8], operation: String) throws {
        guard let json = try? JSONValue.parse(line), let type = json["type"]?.string, let object = json["object"] else {
            throw ClusterError.transient("\(operation): a watch event could not be read")
        }
        guard let kind = Kind(rawValue: type) else {
            throw ClusterError.transient("\(operation): unknown watch event type \(type)")
        }
        self.init(kind: kind, object: object)
    }

    /// The object's `metadata.resourceVersion`.
    var resourceVersion: String? { object[path: "metadata", "resourceVersion"]?.string }
}
