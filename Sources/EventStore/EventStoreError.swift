/// Errors of the event store, for callers to map (HTTP maps them to problem+json).
public enum EventStoreError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The stream's version is not what the appender expected. Nothing was written.
    case wrongExpectedVersion(stream: String, expected: ExpectedVersion, actual: Int64?)
    case invalidStreamID(String, reason: String)
    /// An event's type, data or metadata is not acceptable (index in the request).
    case invalidEvent(index: Int, reason: String)
    /// An event's data is larger than the limit (bytes).
    case eventTooLarge(index: Int, bytes: Int, limit: Int)
    case emptyAppend
    /// Another stream holds a unique claim.
    case claimTaken(claim: String, heldBy: String)
    /// The idempotency key was used before for a different request.
    case idempotencyKeyReused(key: String)
    /// Some, but not all, of the event ids were already stored: a confused retry.
    case duplicateEventIDs(stream: String)
    /// The store could not be reached; safe to retry the whole append.
    case unavailable(String)

    public var description: String {
        switch self {
        case .wrongExpectedVersion(let stream, let expected, let actual):
            "stream \(stream): expected \(expected), but it is at \(actual.map { "version \($0)" } ?? "no stream")"
        case .invalidStreamID(let id, let reason):
            "invalid stream id \"\(id.prefix(64))\": \(reason)"
        case .invalidEvent(let index, let reason):
            "event \(index): \(reason)"
        case .eventTooLarge(let index, let bytes, let limit):
            "event \(index): data is \(bytes) bytes, the limit is \(limit)"
        case .emptyAppend:
            "an append needs at least one event"
        case .claimTaken(let claim, let owner):
            "\(claim) is already claimed by \(owner)"
        case .idempotencyKeyReused(let key):
            "idempotency key \(key.prefix(64)) was already used for a different request"
        case .duplicateEventIDs(let stream):
            "stream \(stream): some of these event ids are already stored, some are not"
        case .unavailable(let reason):
            "event store unavailable: \(reason)"
        }
    }
}
