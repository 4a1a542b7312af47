/// Why a rollout command was refused.
public enum RolloutError: Error, Sendable, Hashable, CustomStringConvertible {
    case notFound(String)
    /// The command does not apply to the rollout as it is (ended, halting, ...).
    case conflict(String, String)

    public var description: String {
        switch self {
        case .notFound(let id): "rollout \(id) not found"
        case .conflict(_, let reason): reason
        }
    }
}
