import Cluster

extension JSONValue {
    /// A copy with `value` at `path` (objects are created on the way).
    func setting(_ path: [String], _ value: JSONValue) -> JSONValue {
        guard let key = path.first else { return value }
        var members = object ?? [:]
        members[key] = (members[key] ?? .object([:])).setting(Array(path.dropFirst()), value)
        return .object(members)
    }

    mutating func set(_ path: String..., to value: JSONValue) {
        self = setting(path, value)
    }

    var labels: [String: String] {
        (self[path: "metadata", "labels"]?.object ?? [:]).compactMapValues(\.string)
    }

    var name: String { self[path: "metadata", "name"]?.string ?? "" }

    var compactText: String { String(decoding: encoded(), as: UTF8.self) }
}
