/// Whether Kubernetes object `a` was created before `b`: by `metadata.creationTimestamp`
/// (RFC 3339 in UTC, so text order is time order, at one-second resolution), ties by name.
func createdBefore(_ a: JSONValue, _ b: JSONValue) -> Bool {
    let key = { (object: JSONValue) in
        (object[path: "metadata", "creationTimestamp"]?.string ?? "", object[path: "metadata", "name"]?.string ?? "")
    }
    return key(a) < key(b)
}
