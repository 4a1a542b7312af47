// The adapter's JSON documents (Kubernetes API objects) are `JSONValue`, the one JSON value
// type of the project, which lives in EventStore; re-exported for the adapter's users.
@_exported import enum EventStore.JSONValue
